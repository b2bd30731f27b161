"""The settings page's per-pipeline extensions (`/settings/v1/ticket-pipelines/{id}/...`):
access, rules, automation triggers and status actions, in HubSpot-style camelCase JSON."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import Field, field_validator

from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import MessageContext, UnitOfWork
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
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.automation import KEEP, ActionEdit, NewAction
from ticketflow_pipeline.handlers import pipeline_settings

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_settings_router) at definition time.

MAX_LIST = 1000
MAX_TEXT = 10_000  # a body cap; the domain applies the real limits and names them


def requester_of(principal: Principal) -> Requester:
    """The facts about the caller that the pipeline access rules need."""
    return Requester(
        user_id=principal.user_id,
        teams=principal.teams,
        is_super_admin=principal.is_super_admin,
        is_property_settings_editor=principal.has_role(Role.PROPERTY_SETTINGS_EDITOR),
    )


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


def build_settings_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["settings"])
    Caller = Annotated[Principal, Depends(caller)]
    base = "/settings/v1/ticket-pipelines/{pipeline_id}"
    actions = base + "/statuses/{status_id}/actions"

    def scope(principal: Principal) -> tuple[MessageContext, Requester]:
        return MessageContext.for_request(principal.account_id), requester_of(principal)

    @router.get(base + "/access")
    async def get_access(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        """Professional and Enterprise; super admins only."""
        return access_json(await pipeline_settings.get_access(uow, *scope(principal), pipeline_id))

    @router.put(base + "/access")
    async def put_access(pipeline_id: str, body: AccessInput, principal: Caller) -> dict[str, Any]:
        """Restricted with no grant leaves the pipeline to super admins."""
        changed = await pipeline_settings.set_access(
            uow, *scope(principal), pipeline_id, body.as_access()
        )
        return access_json(changed.state.access)

    @router.get(base + "/rules")
    async def get_rules(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        return rules_json(await pipeline_settings.get_rules(uow, *scope(principal), pipeline_id))

    @router.put(base + "/rules")
    async def put_rules(pipeline_id: str, body: RulesInput, principal: Caller) -> dict[str, Any]:
        """Stored and published; the ticket service enforces them."""
        changed = await pipeline_settings.set_rules(
            uow, *scope(principal), pipeline_id, body.as_rules()
        )
        return rules_json(changed)

    @router.get(base + "/automation/triggers")
    async def get_triggers(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        return triggers_json(
            await pipeline_settings.get_triggers(uow, *scope(principal), pipeline_id)
        )

    @router.put(base + "/automation/triggers")
    async def put_triggers(
        pipeline_id: str, body: TriggersInput, principal: Caller
    ) -> dict[str, Any]:
        changed = await pipeline_settings.set_triggers(
            uow, *scope(principal), pipeline_id, body.as_triggers()
        )
        return triggers_json(changed)

    @router.get(actions)
    async def get_actions(pipeline_id: str, status_id: str, principal: Caller) -> dict[str, Any]:
        found = await pipeline_settings.list_status_actions(
            uow, *scope(principal), pipeline_id, status_id
        )
        return {"results": [action_json(a) for a in found]}

    @router.post(actions, status_code=status.HTTP_201_CREATED)
    async def add_action(
        pipeline_id: str, status_id: str, body: ActionInput, principal: Caller
    ) -> dict[str, Any]:
        added = await pipeline_settings.add_status_action(
            uow, *scope(principal), pipeline_id, status_id, body.as_new_action()
        )
        return action_json(added)

    @router.patch(actions + "/{action_id}")
    async def edit_action(
        pipeline_id: str, status_id: str, action_id: str, body: ActionPatch, principal: Caller
    ) -> dict[str, Any]:
        edited = await pipeline_settings.edit_status_action(
            uow, *scope(principal), pipeline_id, status_id, action_id, body.as_edit()
        )
        return action_json(edited)

    @router.delete(actions + "/{action_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_action(
        pipeline_id: str,
        status_id: str,
        action_id: str,
        principal: Caller,
        and_following: Annotated[bool, Query(alias="andFollowing")] = False,
    ) -> None:
        """`andFollowing=true` deletes this action and every one after it on the status."""
        await pipeline_settings.delete_status_action(
            uow,
            *scope(principal),
            pipeline_id,
            status_id,
            action_id,
            and_following=and_following,
        )

    return router
