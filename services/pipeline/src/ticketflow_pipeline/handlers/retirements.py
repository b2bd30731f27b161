"""The pipeline side of the retirement saga: ask the ticket service to close statuses,
then apply or abandon the change it waited for, and tell the HTTP caller how it ended."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import CloseStatuses, StatusesClosed, StatusesCloseRefused
from ticketflow_pipeline.adapters.repository import PipelineRepository, RetirementLog
from ticketflow_pipeline.domain.errors import PipelineInUse
from ticketflow_pipeline.domain.model import Pipeline, Retirement

PENDING, COMPLETED, REFUSED = "pending", "completed", "refused"


@dataclass(frozen=True)
class RetirementOutcome:
    outcome: str
    ticket_count: int = 0
    moved_ticket_count: int = 0


async def start_retirement(session: Session, pipeline: Pipeline, retirement: Retirement) -> None:
    await RetirementLog(session).open(pipeline.account_id, pipeline.id, retirement.id)
    await session.record(
        CloseStatuses(
            retirement_id=retirement.id,
            pipeline_id=pipeline.id,
            status_ids=list(retirement.status_ids),
            whole_pipeline=retirement.whole_pipeline,
            move_to_status_id=retirement.move_to_status_id,
        )
    )


async def complete_retirement(
    closed: StatusesClosed, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_complete_retirement_once, closed, uow, context)


async def _complete_retirement_once(
    closed: StatusesClosed, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await repository.get(context.account_id, closed.pipeline_id)
        if pipeline is not None and pipeline.complete_retirement(closed.retirement_id, session.now):
            await repository.save(pipeline)
        await RetirementLog(session).close(
            closed.retirement_id, COMPLETED, moved_ticket_count=closed.moved_ticket_count
        )


async def abandon_retirement(
    refused: StatusesCloseRefused, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_abandon_retirement_once, refused, uow, context)


async def _abandon_retirement_once(
    refused: StatusesCloseRefused, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        repository = PipelineRepository(session)
        pipeline = await repository.get(context.account_id, refused.pipeline_id)
        if pipeline is not None and pipeline.abandon_retirement(refused.retirement_id):
            await repository.save(pipeline)
        await RetirementLog(session).close(
            refused.retirement_id, REFUSED, ticket_count=refused.ticket_count
        )


async def await_outcome(
    uow: UnitOfWork,
    context: MessageContext,
    retirement_id: str,
    *,
    wait_seconds: float,
    poll_seconds: float = 0.02,
) -> RetirementOutcome:
    """Wait for the ticket service's answer (it arrives within milliseconds when all runs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        async with uow.read(context) as session:
            entry = await RetirementLog(session).get(context.account_id, retirement_id)
        if entry is not None and entry["outcome"] != PENDING:
            return RetirementOutcome(
                entry["outcome"], entry["ticket_count"], entry["moved_ticket_count"]
            )
        if loop.time() >= deadline:
            return RetirementOutcome(PENDING)
        await asyncio.sleep(poll_seconds)


async def settle(
    uow: UnitOfWork,
    context: MessageContext,
    retirement_id: str | None,
    what: str,
    *,
    wait_seconds: float,
) -> bool:
    """Wait for the ticket service to confirm a retirement (None: nothing retires); raise
    PipelineInUse, naming `what`, if it refused; True if it is still pending after the wait."""
    if retirement_id is None:
        return False
    outcome = await await_outcome(uow, context, retirement_id, wait_seconds=wait_seconds)
    if outcome.outcome == REFUSED:
        tickets = f"{outcome.ticket_count} ticket{'s' if outcome.ticket_count != 1 else ''}"
        raise PipelineInUse(
            f"{what} holds {tickets}; move them first, or name a status to move them to"
        )
    return outcome.outcome == PENDING
