"""Pipelines and their statuses: read, create, change, reorder; removals start a retirement.

Every read and change of an existing pipeline passes the requester's pipeline access."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import StatusSnapshot, TicketState
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access, account_pipelines
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.errors import AccountNotFound
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.handlers.loading import edit_pipeline, load_editable, load_visible
from ticketflow_pipeline.handlers.retirements import start_retirement

NewId = Callable[[], str]


def numeric_id() -> str:
    """A numeric string like HubSpot's pipeline and stage ids (32 random bits)."""
    return str(uuid.uuid4().int >> 96)


@dataclass(frozen=True)
class PipelineChange:
    """The pipeline after a change, and the retirement it waits for (None: applied)."""

    pipeline: Pipeline
    retirement_id: str | None = None


# -- pipelines -----------------------------------------------------------------------------


async def list_pipelines(
    uow: UnitOfWork, context: MessageContext, requester: Requester
) -> list[Pipeline]:
    async with uow.begin(context) as session:
        pipelines = await PipelineRepository(session).all(context.account_id)
        return access.visible(account_pipelines.live(pipelines), requester)


async def get_pipeline(
    uow: UnitOfWork, context: MessageContext, pipeline_id: str, requester: Requester
) -> Pipeline:
    async with uow.begin(context) as session:
        return await load_visible(session, context, pipeline_id, requester)


async def create_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    *,
    label: str,
    display_order: int | None,
    statuses: Sequence[NewStatus],
    policy: TierPolicy,
    new_id: NewId = numeric_id,
) -> Pipeline:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        account = await repository.account(context.account_id)
        if account is None:
            raise AccountNotFound(context.account_id)
        existing = await repository.all(context.account_id)
        account_pipelines.check_new_pipeline(existing, label, account.tier, policy)
        pipeline = Pipeline.create(
            account_id=context.account_id,
            pipeline_id=new_id(),
            label=label,
            display_order=(
                display_order
                if display_order is not None
                else account_pipelines.next_display_order(existing)
            ),
            statuses=statuses,
            new_status_ids=[new_id() for _ in statuses],
            now=session.now,
        )
        await repository.save(pipeline)
    return pipeline


async def update_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    *,
    label: str | None,
    display_order: int | None,
    requester: Requester,
) -> Pipeline:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await load_editable(session, context, pipeline_id, requester)
        if label is not None:
            account_pipelines.check_label_free(
                await repository.all(context.account_id), label, pipeline_id
            )
        pipeline.update(now=session.now, label=label, display_order=display_order)
        await repository.save(pipeline)
    return pipeline


async def replace_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    *,
    label: str,
    display_order: int,
    statuses: Sequence[NewStatus],
    requester: Requester,
    new_id: NewId = numeric_id,
) -> PipelineChange:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await load_editable(session, context, pipeline_id, requester)
        account_pipelines.check_label_free(
            await repository.all(context.account_id), label, pipeline_id
        )
        retirement = pipeline.request_replacement(
            label=label,
            display_order=display_order,
            statuses=statuses,
            new_status_ids=[new_id() for _ in statuses],
            retirement_id=str(uuid.uuid4()),
            now=session.now,
        )
        if retirement is not None:
            await start_retirement(session, pipeline, retirement)
        await repository.save(pipeline)
    return PipelineChange(pipeline, retirement.id if retirement else None)


async def delete_pipeline(
    uow: UnitOfWork, context: MessageContext, pipeline_id: str, *, requester: Requester
) -> PipelineChange:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await load_editable(session, context, pipeline_id, requester)
        account_pipelines.check_deletable(await repository.all(context.account_id), pipeline_id)
        retirement = pipeline.request_deletion(str(uuid.uuid4()), session.now)
        await start_retirement(session, pipeline, retirement)
        await repository.save(pipeline)
    return PipelineChange(pipeline, retirement.id)


async def reorder_pipelines(
    uow: UnitOfWork,
    context: MessageContext,
    ordered_ids: Sequence[str],
    *,
    requester: Requester,
) -> list[Pipeline]:
    """`ordered_ids` lists the pipelines the requester sees; hidden ones keep their places."""
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipelines = await repository.all(context.account_id)
        whole = access.arrange(account_pipelines.live(pipelines), ordered_ids, requester)
        for changed in account_pipelines.reorder(pipelines, whole, session.now):
            await repository.save(changed)
        return access.visible(account_pipelines.live(pipelines), requester)


# -- statuses --------------------------------------------------------------------------


async def add_status(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status: NewStatus,
    *,
    requester: Requester,
    new_id: NewId = numeric_id,
) -> StatusSnapshot:
    return await edit_pipeline(
        uow,
        context,
        requester,
        pipeline_id,
        lambda pipeline, now: pipeline.add_status(status, new_id(), now),
    )


async def update_status(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status_id: str,
    *,
    label: str | None = None,
    ticket_state: TicketState | None = None,
    display_order: int | None = None,
    requester: Requester,
) -> StatusSnapshot:
    return await edit_pipeline(
        uow,
        context,
        requester,
        pipeline_id,
        lambda pipeline, now: pipeline.update_status(
            status_id, now=now, label=label, ticket_state=ticket_state, display_order=display_order
        ),
    )


async def replace_status(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status_id: str,
    status: NewStatus,
    *,
    requester: Requester,
) -> StatusSnapshot:
    return await edit_pipeline(
        uow,
        context,
        requester,
        pipeline_id,
        lambda pipeline, now: pipeline.replace_status(status_id, status, now),
    )


async def reorder_statuses(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    ordered_ids: Sequence[str],
    *,
    requester: Requester,
) -> Pipeline:
    def reorder(pipeline: Pipeline, now: datetime) -> Pipeline:
        pipeline.reorder_statuses(ordered_ids, now)
        return pipeline

    return await edit_pipeline(uow, context, requester, pipeline_id, reorder)


async def delete_status(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status_id: str,
    move_to_status_id: str | None,
    *,
    requester: Requester,
) -> PipelineChange:
    async with uow.begin(context) as session:
        pipeline = await load_editable(session, context, pipeline_id, requester)
        retirement = pipeline.request_status_removal(
            status_id, move_to_status_id, str(uuid.uuid4()), session.now
        )
        await start_retirement(session, pipeline, retirement)
        await PipelineRepository(session).save(pipeline)
    return PipelineChange(pipeline, retirement.id)
