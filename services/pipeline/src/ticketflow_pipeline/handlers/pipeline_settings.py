"""A pipeline's settings beyond its statuses: access, rules and automation. Each change is a
change of the pipeline snapshot, so it publishes PipelineUpdated with the next revision."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import (
    AutomationTriggers,
    PipelineAccess,
    PipelineRules,
    StatusAction,
    Tier,
)
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access, automation, rules
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.automation import ActionEdit, NewAction
from ticketflow_pipeline.domain.errors import AccountNotFound
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.handlers.loading import edit_pipeline, load_visible

NewId = Callable[[], str]
TierCheck = Callable[[Tier], None]
T = TypeVar("T")


def new_action_id() -> str:
    return str(uuid.uuid4())


async def _tier(session: Session, context: MessageContext) -> Tier:
    account = await PipelineRepository(session).account(context.account_id)
    if account is None:
        raise AccountNotFound(context.account_id)
    return account.tier


async def _read(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    tier_check: TierCheck,
    read: Callable[[Pipeline], T],
) -> T:
    async with uow.begin(context) as session:
        tier_check(await _tier(session, context))
        return read(await load_visible(session, context, pipeline_id, requester))


async def _change(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    tier_check: TierCheck,
    change: Callable[[Pipeline, datetime], T],
) -> T:
    async def check(session: Session) -> None:
        tier_check(await _tier(session, context))

    return await edit_pipeline(uow, context, requester, pipeline_id, change, check)


# -- access (super admins only) ------------------------------------------------------------


async def get_access(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> PipelineAccess:
    access.require_super_admin(requester)
    return await _read(
        uow,
        context,
        requester,
        pipeline_id,
        access.require_tier_for_access,
        lambda pipeline: pipeline.state.access,
    )


async def set_access(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    new_access: PipelineAccess,
) -> Pipeline:
    access.require_super_admin(requester)

    def change(pipeline: Pipeline, now: datetime) -> Pipeline:
        access.change_access(pipeline, new_access, now)
        return pipeline

    return await _change(
        uow, context, requester, pipeline_id, access.require_tier_for_access, change
    )


# -- rules ---------------------------------------------------------------------------------


async def get_rules(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> PipelineRules:
    return await _read(
        uow,
        context,
        requester,
        pipeline_id,
        rules.require_tier_for_rules,
        lambda pipeline: pipeline.state.rules,
    )


async def set_rules(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    new_rules: PipelineRules,
) -> PipelineRules:
    def change(pipeline: Pipeline, now: datetime) -> PipelineRules:
        pipeline.change_rules(new_rules, now)
        return pipeline.state.rules

    return await _change(uow, context, requester, pipeline_id, rules.require_tier_for_rules, change)


# -- automation: triggers ------------------------------------------------------------------


async def get_triggers(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> AutomationTriggers:
    return await _read(
        uow,
        context,
        requester,
        pipeline_id,
        automation.require_tier_for_automation,
        lambda pipeline: automation.effective_triggers(pipeline.state),
    )


async def set_triggers(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    triggers: AutomationTriggers,
) -> AutomationTriggers:
    def change(pipeline: Pipeline, now: datetime) -> AutomationTriggers:
        pipeline.change_triggers(triggers, now)
        return pipeline.effective_triggers()

    return await _change(
        uow, context, requester, pipeline_id, automation.require_tier_for_automation, change
    )


# -- automation: status actions ------------------------------------------------------------


async def list_status_actions(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
) -> list[StatusAction]:
    return await _read(
        uow,
        context,
        requester,
        pipeline_id,
        automation.require_tier_for_automation,
        lambda pipeline: pipeline.actions(status_id),
    )


async def add_status_action(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
    action: NewAction,
    new_id: NewId = new_action_id,
) -> StatusAction:
    return await _change(
        uow,
        context,
        requester,
        pipeline_id,
        automation.require_tier_for_automation,
        lambda pipeline, now: pipeline.add_action(status_id, action, new_id(), now),
    )


async def edit_status_action(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
    action_id: str,
    edit: ActionEdit,
) -> StatusAction:
    return await _change(
        uow,
        context,
        requester,
        pipeline_id,
        automation.require_tier_for_automation,
        lambda pipeline, now: pipeline.edit_action(status_id, action_id, edit, now),
    )


async def delete_status_action(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
    action_id: str,
    *,
    and_following: bool,
) -> None:
    def change(pipeline: Pipeline, now: datetime) -> None:
        pipeline.delete_action(status_id, action_id, and_following=and_following, now=now)

    await _change(
        uow, context, requester, pipeline_id, automation.require_tier_for_automation, change
    )
