"""A pipeline's settings beyond its statuses: access, rules and automation. Each change is a
change of the pipeline snapshot, so it publishes PipelineUpdated with the next revision."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import (
    AutomationTriggers,
    PipelineAccess,
    PipelineRules,
    StatusAction,
)
from ticketflow_pipeline.domain import access
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.automation import ActionEdit, NewAction, require_tier_for_automation
from ticketflow_pipeline.domain.directory_usage import (
    named_by_action,
    named_by_grants,
    require_known_grantees,
    require_known_recipient,
)
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.rules import require_tier_for_rules
from ticketflow_pipeline.handlers.loading import (
    edit_pipeline,
    known_entries,
    read_pipeline,
    tier_check,
)

NewId = Callable[[], str]
VerifyAction = Callable[[Session, StatusAction], Awaitable[None]]


def new_action_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class GetAccess:
    pipeline_id: str
    requester: Requester


@dataclass(frozen=True)
class SetAccess:
    pipeline_id: str
    access: PipelineAccess
    requester: Requester


@dataclass(frozen=True)
class GetRules:
    pipeline_id: str
    requester: Requester


@dataclass(frozen=True)
class SetRules:
    pipeline_id: str
    rules: PipelineRules
    requester: Requester


@dataclass(frozen=True)
class GetTriggers:
    pipeline_id: str
    requester: Requester


@dataclass(frozen=True)
class SetTriggers:
    pipeline_id: str
    triggers: AutomationTriggers
    requester: Requester


@dataclass(frozen=True)
class ListStatusActions:
    pipeline_id: str
    status_id: str
    requester: Requester


@dataclass(frozen=True)
class AddStatusAction:
    pipeline_id: str
    status_id: str
    action: NewAction
    requester: Requester
    new_id: NewId = field(default=new_action_id, compare=False)


@dataclass(frozen=True)
class EditStatusAction:
    pipeline_id: str
    status_id: str
    action_id: str
    edit: ActionEdit
    requester: Requester


@dataclass(frozen=True)
class DeleteStatusAction:
    """`and_following` deletes the action and every one after it on the status."""

    pipeline_id: str
    status_id: str
    action_id: str
    and_following: bool
    requester: Requester


# -- access (super admins only) ------------------------------------------------------------


async def get_access(query: GetAccess, uow: UnitOfWork, context: MessageContext) -> PipelineAccess:
    access.require_super_admin(query.requester)
    check = tier_check(context, access.require_tier_for_access)
    return await read_pipeline(uow, context, query, lambda p: p.state.access, check)


async def set_access(command: SetAccess, uow: UnitOfWork, context: MessageContext) -> Pipeline:
    access.require_super_admin(command.requester)

    def change(pipeline: Pipeline, now: datetime) -> Pipeline:
        access.change_access(pipeline, command.access, now)
        return pipeline

    async def verify(session: Session, pipeline: Pipeline) -> None:
        granted = pipeline.state.access
        known = await known_entries(session, context.account_id, named_by_grants(granted))
        require_known_grantees(granted, known)

    check = tier_check(context, access.require_tier_for_access)
    return await edit_pipeline(uow, context, command, change, check, verify)


# -- rules ---------------------------------------------------------------------------------


async def get_rules(query: GetRules, uow: UnitOfWork, context: MessageContext) -> PipelineRules:
    check = tier_check(context, require_tier_for_rules)
    return await read_pipeline(uow, context, query, lambda p: p.state.rules, check)


async def set_rules(command: SetRules, uow: UnitOfWork, context: MessageContext) -> PipelineRules:
    def change(pipeline: Pipeline, now: datetime) -> PipelineRules:
        pipeline.change_rules(command.rules, now)
        return pipeline.state.rules

    check = tier_check(context, require_tier_for_rules)
    return await edit_pipeline(uow, context, command, change, check)


# -- automation: triggers ------------------------------------------------------------------


async def get_triggers(
    query: GetTriggers, uow: UnitOfWork, context: MessageContext
) -> AutomationTriggers:
    check = tier_check(context, require_tier_for_automation)
    return await read_pipeline(uow, context, query, Pipeline.effective_triggers, check)


async def set_triggers(
    command: SetTriggers, uow: UnitOfWork, context: MessageContext
) -> AutomationTriggers:
    def change(pipeline: Pipeline, now: datetime) -> AutomationTriggers:
        pipeline.change_triggers(command.triggers, now)
        return pipeline.effective_triggers()

    check = tier_check(context, require_tier_for_automation)
    return await edit_pipeline(uow, context, command, change, check)


# -- automation: status actions ------------------------------------------------------------


async def list_status_actions(
    query: ListStatusActions, uow: UnitOfWork, context: MessageContext
) -> list[StatusAction]:
    check = tier_check(context, require_tier_for_automation)
    return await read_pipeline(uow, context, query, lambda p: p.actions(query.status_id), check)


async def add_status_action(
    command: AddStatusAction, uow: UnitOfWork, context: MessageContext
) -> StatusAction:
    def change(pipeline: Pipeline, now: datetime) -> StatusAction:
        return pipeline.add_action(command.status_id, command.action, command.new_id(), now)

    check = tier_check(context, require_tier_for_automation)
    return await edit_pipeline(uow, context, command, change, check, _verify_recipient(context))


async def edit_status_action(
    command: EditStatusAction, uow: UnitOfWork, context: MessageContext
) -> StatusAction:
    def change(pipeline: Pipeline, now: datetime) -> StatusAction:
        return pipeline.edit_action(command.status_id, command.action_id, command.edit, now)

    check = tier_check(context, require_tier_for_automation)
    return await edit_pipeline(uow, context, command, change, check, _verify_recipient(context))


def _verify_recipient(context: MessageContext) -> VerifyAction:
    """The action's user or team recipient exists (read in the change's unit of work)."""

    async def verify(session: Session, action: StatusAction) -> None:
        known = await known_entries(session, context.account_id, named_by_action(action))
        require_known_recipient(action, known)

    return verify


async def delete_status_action(
    command: DeleteStatusAction, uow: UnitOfWork, context: MessageContext
) -> None:
    def change(pipeline: Pipeline, now: datetime) -> None:
        pipeline.delete_action(
            command.status_id, command.action_id, and_following=command.and_following, now=now
        )

    check = tier_check(context, require_tier_for_automation)
    await edit_pipeline(uow, context, command, change, check)
