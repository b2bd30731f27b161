"""Pipelines and their statuses: read, create, change, reorder; removals start a retirement
and wait (a bounded time) for the ticket service's answer.

Every read and change of an existing pipeline passes the requester's pipeline access. Every
change of statuses (and a new pipeline) is Starter and up: a Free account keeps its default
pipeline's statuses; it may rename the pipeline, also by a PUT that keeps the statuses."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import StatusSnapshot, TicketState
from ticketflow_pipeline.adapters.channel_repository import ChannelConnectionReplicas
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access, account_pipelines, channels, statuses
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.model import Pipeline, Retirement
from ticketflow_pipeline.domain.statuses import NewStatus, require_tier_for_custom_statuses
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.handlers.loading import (
    OnPipeline,
    edit_pipeline,
    load_account,
    load_editable,
    read_pipeline,
    tier_check,
)
from ticketflow_pipeline.handlers.retirements import settle, start_retirement

NewId = Callable[[], str]


def numeric_id() -> str:
    """A numeric string like HubSpot's pipeline and stage ids (32 random bits)."""
    return str(uuid.uuid4().int >> 96)


@dataclass(frozen=True)
class Replaced:
    """The pipeline after a replacement; `pending` while the ticket service has still to
    confirm the statuses it leaves out (then the HTTP answer is 202)."""

    pipeline: Pipeline
    pending: bool


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPipelines:
    requester: Requester


@dataclass(frozen=True)
class GetPipeline:
    pipeline_id: str
    requester: Requester


async def list_pipelines(
    query: ListPipelines, uow: UnitOfWork, context: MessageContext
) -> list[Pipeline]:
    async with uow.read(context) as session:
        pipelines = await PipelineRepository(session).all(context.account_id)
        return access.visible(account_pipelines.live(pipelines), query.requester)


async def get_pipeline(query: GetPipeline, uow: UnitOfWork, context: MessageContext) -> Pipeline:
    return await read_pipeline(uow, context, query, lambda pipeline: pipeline)


# -- pipelines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePipeline:
    label: str
    display_order: int | None
    statuses: Sequence[NewStatus]
    policy: TierPolicy
    new_id: NewId = field(default=numeric_id, compare=False)


@dataclass(frozen=True)
class UpdatePipeline:
    pipeline_id: str
    label: str | None
    display_order: int | None
    requester: Requester


@dataclass(frozen=True)
class ReplacePipeline:
    """Statuses are matched to the current ones by id or label; the ones left out retire."""

    pipeline_id: str
    label: str
    display_order: int
    statuses: Sequence[NewStatus]
    requester: Requester
    retirement_wait_seconds: float
    new_id: NewId = field(default=numeric_id, compare=False)


@dataclass(frozen=True)
class DeletePipeline:
    pipeline_id: str
    requester: Requester
    retirement_wait_seconds: float


@dataclass(frozen=True)
class ReorderPipelines:
    """`ordered_ids` lists the pipelines the requester sees; hidden ones keep their places."""

    ordered_ids: Sequence[str]
    requester: Requester


async def create_pipeline(
    command: CreatePipeline, uow: UnitOfWork, context: MessageContext
) -> Pipeline:
    """One that loses a race with another creation is run again, and re-checks on a read
    that sees it: the account's pipelines guard (domain/account_pipelines.py)."""
    return await uow.retrying(_create_once, command, uow, context)


async def _create_once(
    command: CreatePipeline, uow: UnitOfWork, context: MessageContext
) -> Pipeline:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        account = await load_account(session, context)
        guards = repository.guards()
        guard = await guards.get(context.account_id)
        existing = await repository.all(context.account_id)
        account_pipelines.check_new_pipeline(existing, command.label, account.tier, command.policy)
        display_order = command.display_order
        pipeline = Pipeline.create(
            account_id=context.account_id,
            pipeline_id=command.new_id(),
            label=command.label,
            display_order=(
                display_order
                if display_order is not None
                else account_pipelines.next_display_order(existing)
            ),
            statuses=command.statuses,
            new_status_ids=[command.new_id() for _ in command.statuses],
            now=session.now,
        )
        await repository.save(pipeline)
        await guards.save(guard)
    return pipeline


async def update_pipeline(
    command: UpdatePipeline, uow: UnitOfWork, context: MessageContext
) -> Pipeline:
    return await uow.retrying(_update_pipeline_once, command, uow, context)


async def _update_pipeline_once(
    command: UpdatePipeline, uow: UnitOfWork, context: MessageContext
) -> Pipeline:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await load_editable(session, context, command)
        if command.label is not None:
            account_pipelines.check_label_free(
                await repository.all(context.account_id), command.label, command.pipeline_id
            )
        pipeline.update(now=session.now, label=command.label, display_order=command.display_order)
        await repository.save(pipeline)
        if command.display_order is not None:
            await repository.guards().record_change(context.account_id)  # as a reorder
    return pipeline


async def replace_pipeline(
    command: ReplacePipeline, uow: UnitOfWork, context: MessageContext
) -> Replaced:
    """Applied at once when no status retires; else once the ticket service confirms."""

    async def request(pipeline: Pipeline, session: Session) -> Retirement | None:
        tier = (await load_account(session, context)).tier
        statuses.require_tier_for_replacement(pipeline.statuses, command.statuses, tier)
        others = await PipelineRepository(session).all(context.account_id)
        account_pipelines.check_label_free(others, command.label, command.pipeline_id)
        return pipeline.request_replacement(
            label=command.label,
            display_order=command.display_order,
            statuses=command.statuses,
            new_status_ids=[command.new_id() for _ in command.statuses],
            retirement_id=str(uuid.uuid4()),
            now=session.now,
        )

    what = "a status this replacement leaves out"
    pending = await _retire(command, uow, context, request, what, command.retirement_wait_seconds)
    return Replaced(await read_pipeline(uow, context, command, lambda p: p), pending)


async def delete_pipeline(
    command: DeletePipeline, uow: UnitOfWork, context: MessageContext
) -> bool:
    """Refused while the pipeline holds tickets or connected channels target it (as this
    service's replica of connections knows them: refused before the ticket service is asked);
    True while the ticket service has still to confirm."""

    async def request(pipeline: Pipeline, session: Session) -> Retirement:
        repository = PipelineRepository(session)
        guard = await repository.guards().get(context.account_id)
        others = await repository.all(context.account_id)
        account_pipelines.check_deletable(others, command.pipeline_id)
        connections = ChannelConnectionReplicas(session)
        targeting = await connections.connected_to(context.account_id, command.pipeline_id)
        channels.require_no_connected_channels(command.pipeline_id, targeting)
        await repository.guards().save(guard)
        return pipeline.request_deletion(str(uuid.uuid4()), session.now)

    what = f"pipeline {command.pipeline_id!r}"
    return await _retire(command, uow, context, request, what, command.retirement_wait_seconds)


async def reorder_pipelines(
    command: ReorderPipelines, uow: UnitOfWork, context: MessageContext
) -> list[Pipeline]:
    return await uow.retrying(_reorder_pipelines_once, command, uow, context)


async def _reorder_pipelines_once(
    command: ReorderPipelines, uow: UnitOfWork, context: MessageContext
) -> list[Pipeline]:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipelines = await repository.all(context.account_id)
        live = account_pipelines.live(pipelines)
        whole = access.arrange(live, command.ordered_ids, command.requester)
        for changed in account_pipelines.reorder(pipelines, whole, session.now):
            await repository.save(changed)
        # Two reorders writing different pipelines would interleave their orders.
        await repository.guards().record_change(context.account_id)
        return access.visible(account_pipelines.live(pipelines), command.requester)


async def _retire(
    asked: OnPipeline,
    uow: UnitOfWork,
    context: MessageContext,
    request: Callable[[Pipeline, Session], Awaitable[Retirement | None]],
    what: str,
    wait_seconds: float,
) -> bool:
    """One unit of work (run again on a fresh read when it loses a write race): load for
    editing, `request` the change (a retirement, or None when it applies at once), ask the
    ticket service, save; then wait for its answer (True: pending)."""
    retirement = await uow.retrying(_request_retirement_once, asked, uow, context, request)
    retirement_id = retirement.id if retirement is not None else None
    return await settle(uow, context, retirement_id, what, wait_seconds=wait_seconds)


async def _request_retirement_once(
    asked: OnPipeline,
    uow: UnitOfWork,
    context: MessageContext,
    request: Callable[[Pipeline, Session], Awaitable[Retirement | None]],
) -> Retirement | None:
    async with uow.begin(context) as session:
        pipeline = await load_editable(session, context, asked)
        retirement = await request(pipeline, session)
        if retirement is not None:
            await start_retirement(session, pipeline, retirement)
        await PipelineRepository(session).save(pipeline)
    return retirement


# -- statuses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddStatus:
    pipeline_id: str
    status: NewStatus
    requester: Requester
    new_id: NewId = field(default=numeric_id, compare=False)


@dataclass(frozen=True)
class UpdateStatus:
    pipeline_id: str
    status_id: str
    requester: Requester
    label: str | None = None
    ticket_state: TicketState | None = None
    display_order: int | None = None


@dataclass(frozen=True)
class ReplaceStatus:
    pipeline_id: str
    status_id: str
    status: NewStatus
    requester: Requester


@dataclass(frozen=True)
class ReorderStatuses:
    pipeline_id: str
    ordered_ids: Sequence[str]
    requester: Requester


@dataclass(frozen=True)
class DeleteStatus:
    """Refused while the status holds tickets, unless `move_to_status_id` names another
    status of the pipeline: the ticket service moves them."""

    pipeline_id: str
    status_id: str
    move_to_status_id: str | None
    requester: Requester
    retirement_wait_seconds: float


async def add_status(
    command: AddStatus, uow: UnitOfWork, context: MessageContext
) -> StatusSnapshot:
    def change(pipeline: Pipeline, now: datetime) -> StatusSnapshot:
        return pipeline.add_status(command.status, command.new_id(), now)

    check = tier_check(context, require_tier_for_custom_statuses)
    return await edit_pipeline(uow, context, command, change, check)


async def update_status(
    command: UpdateStatus, uow: UnitOfWork, context: MessageContext
) -> StatusSnapshot:
    def change(pipeline: Pipeline, now: datetime) -> StatusSnapshot:
        return pipeline.update_status(
            command.status_id,
            now=now,
            label=command.label,
            ticket_state=command.ticket_state,
            display_order=command.display_order,
        )

    check = tier_check(context, require_tier_for_custom_statuses)
    return await edit_pipeline(uow, context, command, change, check)


async def replace_status(
    command: ReplaceStatus, uow: UnitOfWork, context: MessageContext
) -> StatusSnapshot:
    def change(pipeline: Pipeline, now: datetime) -> StatusSnapshot:
        return pipeline.replace_status(command.status_id, command.status, now)

    check = tier_check(context, require_tier_for_custom_statuses)
    return await edit_pipeline(uow, context, command, change, check)


async def reorder_statuses(
    command: ReorderStatuses, uow: UnitOfWork, context: MessageContext
) -> Pipeline:
    def change(pipeline: Pipeline, now: datetime) -> Pipeline:
        pipeline.reorder_statuses(command.ordered_ids, now)
        return pipeline

    check = tier_check(context, require_tier_for_custom_statuses)
    return await edit_pipeline(uow, context, command, change, check)


async def delete_status(command: DeleteStatus, uow: UnitOfWork, context: MessageContext) -> bool:
    """True while the ticket service has still to confirm."""

    async def request(pipeline: Pipeline, session: Session) -> Retirement:
        require_tier_for_custom_statuses((await load_account(session, context)).tier)
        return pipeline.request_status_removal(
            command.status_id, command.move_to_status_id, str(uuid.uuid4()), session.now
        )

    what = f"status {command.status_id!r}"
    return await _retire(command, uow, context, request, what, command.retirement_wait_seconds)
