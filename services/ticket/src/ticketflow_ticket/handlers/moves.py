"""Bulk moves: starting one (a job document and its source pipeline's guard, in one unit of
work), reading its progress, and running it one batch per unit of work: the batch's tickets
move through the target's gate and the job's cursor advances in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.move_jobs import MoveJobRepository
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.move_jobs import MoveJob, job_id_for
from ticketflow_ticket.domain.moves import (
    IdempotencyKeyReused,
    MoveInProgress,
    MoveNotFound,
    MoveRequest,
    plan_move,
)

BATCH_SIZE = 500


@dataclass(frozen=True)
class StartMove:
    requester: Requester
    request: MoveRequest
    idempotency_key: str | None = None


@dataclass(frozen=True)
class GetMove:
    requester: Requester
    job_id: str


@dataclass(frozen=True)
class Started:
    job: MoveJob
    replayed: bool  # the Idempotency-Key had started this job before


async def start_move(command: StartMove, uow: UnitOfWork, context: MessageContext) -> Started:
    """Validate the move against both pipelines and write its job; the runner does the rest.
    The same Idempotency-Key with the same request answers the job it started. A start that
    loses a race with another out of the same pipeline (their source's guard) runs again and
    re-checks for an overlapping move."""
    user_id = command.requester.user_id
    job_id = job_id_for(context.account_id, user_id, command.idempotency_key, uuid.uuid4())
    return await uow.retrying(_start_once, command, uow, context, job_id)


async def _start_once(
    command: StartMove, uow: UnitOfWork, context: MessageContext, job_id: str
) -> Started:
    account_id, request, requester = context.account_id, command.request, command.requester
    async with uow.begin(context) as session:
        jobs, tickets = MoveJobRepository(session), TicketRepository(session)
        existing = await jobs.get(account_id, job_id)
        if existing is not None:
            if existing.request.fingerprint() != request.fingerprint():
                raise IdempotencyKeyReused(job_id)
            return Started(existing, replayed=True)
        source = await tickets.pipeline(account_id, request.from_pipeline_id)
        target = await tickets.pipeline(account_id, request.to_pipeline_id)
        counts = {}
        if source is not None and access.may_view(source, requester):
            for status in source.ordered_statuses():
                counts[status.id] = await tickets.count_live(
                    account_id, request.from_pipeline_id, [status.id]
                )
        plan = plan_move(
            request,
            source=source,
            target=target,
            target_gate=await tickets.gate(account_id, request.to_pipeline_id),
            counts=counts,
            requester=requester,
        )
        guard = await jobs.source_guard(account_id, request.from_pipeline_id)
        for active in await jobs.active_from(account_id, request.from_pipeline_id):
            if active.request.overlaps(request):
                raise MoveInProgress(active.id, request.from_pipeline_id)
        guard.record_start()
        job = MoveJob.create(
            job_id=job_id,
            account_id=account_id,
            requester=requester,
            request=request,
            plan=plan,
            total=sum(counts.get(status_id, 0) for status_id in plan.source_status_ids),
            correlation_id=str(context.correlation_id),
            now=session.now,
        )
        await jobs.add(job)
        await jobs.save_source_guard(guard)
    return Started(job, replayed=False)


async def get_move(command: GetMove, uow: UnitOfWork, context: MessageContext) -> MoveJob:
    """A move is visible to whoever started it, super admins, and users who may see both of
    its pipelines; to anyone else (and other accounts) it does not exist."""
    job_id, requester = command.job_id, command.requester
    async with uow.read(context) as session:
        job = await MoveJobRepository(session).get(context.account_id, job_id)
        if job is None:
            raise MoveNotFound(job_id)
        if job.requested_by == requester.user_id or requester.is_super_admin:
            return job
        tickets = TicketRepository(session)
        for pipeline_id in (job.request.from_pipeline_id, job.request.to_pipeline_id):
            if not access.may_view(
                await tickets.pipeline(context.account_id, pipeline_id), requester
            ):
                raise MoveNotFound(job_id)
    return job


# -- the runner's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class JobRef:
    account_id: str
    job_id: str
    correlation_id: str

    def context(self) -> MessageContext:
        """The events of the job's moves carry the correlation id of the request that
        started it."""
        return MessageContext(self.account_id, uuid.UUID(self.correlation_id))


@dataclass(frozen=True)
class FindRunnableMoves:
    """Pending and running jobs of every account, oldest first (with
    `MessageContext.across_accounts()`)."""


@dataclass(frozen=True)
class RunMoveBatch:
    """Move the next batch of a job's tickets (with the job's `JobRef.context()`)."""

    job_id: str
    batch_size: int = BATCH_SIZE


@dataclass(frozen=True)
class RecordBatchFailure:
    """A batch failed unexpectedly (and rolled back); the job fails after `max_attempts`
    failures in a row."""

    job_id: str
    reason: str
    max_attempts: int


async def runnable_moves(
    query: FindRunnableMoves, uow: UnitOfWork, context: MessageContext
) -> list[JobRef]:
    async with uow.read(context) as session:
        jobs = await MoveJobRepository(session).runnable()
    return [JobRef(j.account_id, j.id, j.correlation_id) for j in jobs]


async def run_move_batch(command: RunMoveBatch, uow: UnitOfWork, context: MessageContext) -> bool:
    """False once the job is over. A batch that loses a write race (a ticket changed
    meanwhile, a creation through the gate, another runner) is run again on a fresh read."""
    return await uow.retrying(_run_batch_once, command, uow, context)


async def _run_batch_once(command: RunMoveBatch, uow: UnitOfWork, context: MessageContext) -> bool:
    account_id, batch_size = context.account_id, command.batch_size
    async with uow.begin(context) as session:
        jobs, tickets = MoveJobRepository(session), TicketRepository(session)
        job = await jobs.get(account_id, command.job_id)
        status_id = job.current_status_id if job is not None and job.active else None
        if job is None or status_id is None:
            return False
        request = job.request
        page, next_after = await tickets.live_page(
            account_id, request.from_pipeline_id, status_id, after=job.after, limit=batch_size
        )
        gate = await tickets.gate(account_id, request.to_pipeline_id)
        moved = job.run_batch(
            page,
            pipeline=await tickets.pipeline(account_id, request.to_pipeline_id),
            gate=gate,
            next_after=next_after,
            now=session.now,
        )
        for ticket in moved:
            await tickets.save(ticket)
        if moved:
            await tickets.save_gate(gate)
        await jobs.save(job)
    return job.active


async def record_batch_failure(
    command: RecordBatchFailure, uow: UnitOfWork, context: MessageContext
) -> None:
    await uow.retrying(_record_batch_failure_once, command, uow, context)


async def _record_batch_failure_once(
    command: RecordBatchFailure, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        jobs = MoveJobRepository(session)
        job = await jobs.get(context.account_id, command.job_id)
        if job is not None and job.active:
            job.batch_failed(command.reason, command.max_attempts, session.now)
            await jobs.save(job)
