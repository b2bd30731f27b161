"""A pipeline's settings beyond its statuses: access, rules and automation. Each change is a
change of the pipeline snapshot, so it publishes PipelineUpdated with the next revision."""

from __future__ import annotations

import uuid
from collections.abc import Callable

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
from ticketflow_pipeline.domain.errors import AccountNotFound, PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline

NewId = Callable[[], str]


def new_action_id() -> str:
    return str(uuid.uuid4())


async def _tier(session: Session, context: MessageContext) -> Tier:
    account = await PipelineRepository(session).account(context.account_id)
    if account is None:
        raise AccountNotFound(context.account_id)
    return account.tier


async def _load(
    session: Session, context: MessageContext, pipeline_id: str, requester: Requester, *, edit: bool
) -> Pipeline:
    pipeline = await PipelineRepository(session).get(context.account_id, pipeline_id)
    if pipeline is None or pipeline.archived:
        raise PipelineNotFound(pipeline_id)
    if edit:
        access.require_edit(pipeline, requester)
    else:
        access.require_view(pipeline, requester)
    return pipeline


# -- access (super admins only) ------------------------------------------------------------


async def get_access(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> PipelineAccess:
    access.require_super_admin(requester)
    async with uow.begin(context) as session:
        access.require_tier_for_access(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=False)
        return pipeline.state.access


async def set_access(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    new_access: PipelineAccess,
) -> Pipeline:
    access.require_super_admin(requester)
    async with uow.begin(context) as session:
        access.require_tier_for_access(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        access.change_access(pipeline, new_access, session.now)
        await PipelineRepository(session).save(pipeline)
    return pipeline


# -- rules ---------------------------------------------------------------------------------


async def get_rules(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> PipelineRules:
    async with uow.begin(context) as session:
        rules.require_tier_for_rules(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=False)
        return pipeline.state.rules


async def set_rules(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    new_rules: PipelineRules,
) -> PipelineRules:
    async with uow.begin(context) as session:
        rules.require_tier_for_rules(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        rules.change_rules(pipeline, new_rules, session.now)
        await PipelineRepository(session).save(pipeline)
    return pipeline.state.rules


# -- automation: triggers ------------------------------------------------------------------


async def get_triggers(
    uow: UnitOfWork, context: MessageContext, requester: Requester, pipeline_id: str
) -> AutomationTriggers:
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=False)
        return automation.effective_triggers(pipeline.state)


async def set_triggers(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    triggers: AutomationTriggers,
) -> AutomationTriggers:
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        automation.change_triggers(pipeline, triggers, session.now)
        await PipelineRepository(session).save(pipeline)
    return automation.effective_triggers(pipeline.state)


# -- automation: status actions ------------------------------------------------------------


async def list_status_actions(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
) -> list[StatusAction]:
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=False)
        return automation.actions_of(pipeline, status_id)


async def add_status_action(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
    action: NewAction,
    new_id: NewId = new_action_id,
) -> StatusAction:
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        added = automation.add_action(pipeline, status_id, action, new_id(), session.now)
        await PipelineRepository(session).save(pipeline)
    return added


async def edit_status_action(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    status_id: str,
    action_id: str,
    edit: ActionEdit,
) -> StatusAction:
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        edited = automation.edit_action(pipeline, status_id, action_id, edit, session.now)
        await PipelineRepository(session).save(pipeline)
    return edited


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
    async with uow.begin(context) as session:
        automation.require_tier_for_automation(await _tier(session, context))
        pipeline = await _load(session, context, pipeline_id, requester, edit=True)
        automation.delete_action(pipeline, status_id, action_id, and_following, session.now)
        await PipelineRepository(session).save(pipeline)
