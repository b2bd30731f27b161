"""The pipeline settings page's per-pipeline extensions (`/settings/v1/ticket-pipelines/{id}/...`):
access, rules, automation triggers and status actions, in HubSpot-style camelCase JSON."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import Field, field_validator

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    ActionKind,
    AutomationTriggers,
    CustomerTemplate,
    GranteeKind,
    PipelineAccess,
    PipelineRules,
    RecipientKind,
    StatusAction,
    StatusTrigger,
)
from ticketflow_pipeline.domain.automation import KEEP, ActionEdit, NewAction
from ticketflow_pipeline.entrypoints.http.callers import context_of, requester_of
from ticketflow_pipeline.handlers import pipeline_settings as handlers

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_pipeline_settings_router) at definition time.

MAX_LIST = 1000
MAX_TEXT = 10_000  # a body cap; the domain applies the real limits and names them


class GrantInput(CamelInput):
    grantee_kind: GranteeKind
    grantee_id: str = Field(max_length=MAX_TEXT)
    level: AccessLevel


class AccessInput(CamelInput):
    restricted: bool
    grants: list[GrantInput] = Field(default_factory=list, max_length=MAX_LIST)

    def as_access(self) -> PipelineAccess:
        return PipelineAccess(
            restricted=self.restricted,
            grants=[
                AccessGrant(grantee_kind=g.grantee_kind, grantee_id=g.grantee_id, level=g.level)
                for g in self.grants
            ],
        )


class RulesInput(CamelInput):
    creation_status_ids: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    forbid_skipping: bool = False
    forbid_backwards: bool = False

    def as_rules(self) -> PipelineRules:
        return PipelineRules(
            creation_status_ids=self.creation_status_ids,
            forbid_skipping=self.forbid_skipping,
            forbid_backwards=self.forbid_backwards,
        )


class TriggerInput(CamelInput):
    enabled: bool
    status_id: str | None = Field(default=None, max_length=MAX_TEXT)

    def as_trigger(self) -> StatusTrigger:
        return StatusTrigger(enabled=self.enabled, status_id=self.status_id)


class TriggersInput(CamelInput):
    email_sent: TriggerInput
    customer_replied: TriggerInput

    def as_triggers(self) -> AutomationTriggers:
        return AutomationTriggers(
            email_sent=self.email_sent.as_trigger(),
            customer_replied=self.customer_replied.as_trigger(),
        )


class ActionInput(CamelInput):
    kind: ActionKind
    template: CustomerTemplate | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: str | None = Field(default=None, max_length=MAX_TEXT)
    comment: str | None = Field(default=None, max_length=MAX_TEXT)

    def as_new_action(self) -> NewAction:
        return NewAction(
            self.kind, self.template, self.recipient_kind, self.recipient_id, self.comment
        )


class ActionPatch(CamelInput):
    """Fields left out stay as they are; `null` clears a field."""

    kind: ActionKind | None = None
    template: CustomerTemplate | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: str | None = Field(default=None, max_length=MAX_TEXT)
    comment: str | None = Field(default=None, max_length=MAX_TEXT)

    @field_validator("kind")
    @classmethod
    def _kind_is_not_cleared(cls, kind: ActionKind | None) -> ActionKind | None:
        if kind is None:
            raise ValueError("kind cannot be null; leave it out to keep it")
        return kind

    def as_edit(self) -> ActionEdit:
        given = self.model_fields_set
        return ActionEdit(
            kind=self.kind if "kind" in given and self.kind is not None else KEEP,
            template=self.template if "template" in given else KEEP,
            recipient_kind=self.recipient_kind if "recipient_kind" in given else KEEP,
            recipient_id=self.recipient_id if "recipient_id" in given else KEEP,
            comment=self.comment if "comment" in given else KEEP,
        )


def access_json(access: PipelineAccess) -> dict[str, Any]:
    return {
        "restricted": access.restricted,
        "grants": [
            {
                "granteeKind": g.grantee_kind.value,
                "granteeId": g.grantee_id,
                "level": g.level.value,
            }
            for g in access.grants
        ],
    }


def rules_json(rules: PipelineRules) -> dict[str, Any]:
    return {
        "creationStatusIds": list(rules.creation_status_ids),
        "forbidSkipping": rules.forbid_skipping,
        "forbidBackwards": rules.forbid_backwards,
    }


def triggers_json(triggers: AutomationTriggers) -> dict[str, Any]:
    return {
        "emailSent": {
            "enabled": triggers.email_sent.enabled,
            "statusId": triggers.email_sent.status_id,
        },
        "customerReplied": {
            "enabled": triggers.customer_replied.enabled,
            "statusId": triggers.customer_replied.status_id,
        },
    }


def action_json(action: StatusAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": action.kind.value,
        "template": action.template.value if action.template else None,
        "recipientKind": action.recipient_kind.value if action.recipient_kind else None,
        "recipientId": action.recipient_id,
        "comment": action.comment,
    }


def build_pipeline_settings_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    # Every settings page needs a tier that offers it (403), and the access page a super admin.
    router = APIRouter(tags=["settings"], responses=responses_for(403))
    Caller = Annotated[Principal, Depends(caller)]
    base = "/settings/v1/ticket-pipelines/{pipeline_id}"
    actions = base + "/statuses/{status_id}/actions"

    @router.get(base + "/access")
    async def get_access(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        """Professional and Enterprise; super admins only."""
        query = handlers.GetAccess(pipeline_id, requester_of(principal))
        return access_json(await handlers.get_access(query, uow, context_of(principal)))

    @router.put(base + "/access", responses=responses_for(409))
    async def put_access(pipeline_id: str, body: AccessInput, principal: Caller) -> dict[str, Any]:
        """Restricted with no grant leaves the pipeline to super admins."""
        command = handlers.SetAccess(pipeline_id, body.as_access(), requester_of(principal))
        changed = await handlers.set_access(command, uow, context_of(principal))
        return access_json(changed.state.access)

    @router.get(base + "/rules")
    async def get_rules(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        query = handlers.GetRules(pipeline_id, requester_of(principal))
        return rules_json(await handlers.get_rules(query, uow, context_of(principal)))

    @router.put(base + "/rules", responses=responses_for(409))
    async def put_rules(pipeline_id: str, body: RulesInput, principal: Caller) -> dict[str, Any]:
        """Stored and published; the ticket service enforces them."""
        command = handlers.SetRules(pipeline_id, body.as_rules(), requester_of(principal))
        return rules_json(await handlers.set_rules(command, uow, context_of(principal)))

    @router.get(base + "/automation/triggers")
    async def get_triggers(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        query = handlers.GetTriggers(pipeline_id, requester_of(principal))
        return triggers_json(await handlers.get_triggers(query, uow, context_of(principal)))

    @router.put(base + "/automation/triggers", responses=responses_for(409))
    async def put_triggers(
        pipeline_id: str, body: TriggersInput, principal: Caller
    ) -> dict[str, Any]:
        command = handlers.SetTriggers(pipeline_id, body.as_triggers(), requester_of(principal))
        return triggers_json(await handlers.set_triggers(command, uow, context_of(principal)))

    @router.get(actions)
    async def get_actions(pipeline_id: str, status_id: str, principal: Caller) -> dict[str, Any]:
        query = handlers.ListStatusActions(pipeline_id, status_id, requester_of(principal))
        found = await handlers.list_status_actions(query, uow, context_of(principal))
        return {"results": [action_json(a) for a in found]}

    @router.post(actions, status_code=status.HTTP_201_CREATED, responses=responses_for(409))
    async def add_action(
        pipeline_id: str, status_id: str, body: ActionInput, principal: Caller
    ) -> dict[str, Any]:
        command = handlers.AddStatusAction(
            pipeline_id, status_id, body.as_new_action(), requester_of(principal)
        )
        return action_json(await handlers.add_status_action(command, uow, context_of(principal)))

    @router.patch(actions + "/{action_id}", responses=responses_for(409))
    async def edit_action(
        pipeline_id: str, status_id: str, action_id: str, body: ActionPatch, principal: Caller
    ) -> dict[str, Any]:
        command = handlers.EditStatusAction(
            pipeline_id, status_id, action_id, body.as_edit(), requester_of(principal)
        )
        return action_json(await handlers.edit_status_action(command, uow, context_of(principal)))

    @router.delete(
        actions + "/{action_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(409),
    )
    async def delete_action(
        pipeline_id: str,
        status_id: str,
        action_id: str,
        principal: Caller,
        and_following: Annotated[bool, Query(alias="andFollowing")] = False,
    ) -> None:
        """`andFollowing=true` deletes this action and every one after it on the status."""
        command = handlers.DeleteStatusAction(
            pipeline_id, status_id, action_id, and_following, requester_of(principal)
        )
        await handlers.delete_status_action(command, uow, context_of(principal))

    return router
