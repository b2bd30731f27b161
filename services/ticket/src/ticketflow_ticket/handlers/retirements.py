"""The ticket side of the retirement saga: close statuses (or a whole pipeline) in the
pipeline's gate, then refuse, close, or move their tickets and close, in one unit of work."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import CloseStatuses
from ticketflow_ticket.adapters.repository import PAGE_SIZE, TicketRepository
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.moves import move_batch

# The actor of the moves, in their `ticket.status_changed` events.
AUTOMATION_NAME = "pipeline-retirement"


async def close_statuses(command: CloseStatuses, uow: UnitOfWork, context: MessageContext) -> None:
    """Always answers (`ticket.statuses_closed` or `ticket.statuses_close_refused`): the
    pipeline service waits for it. A redelivery has no effect (inbox); a race lost to a
    ticket creation is retried here, then by redelivery.

    The tickets move inside this transaction, in pages, through the bulk move's batch logic
    (domain/moves.py); a closing of a very large status is one large transaction still."""
    await uow.retrying(_close_once, command, uow, context)


async def _close_once(command: CloseStatuses, uow: UnitOfWork, context: MessageContext) -> None:
    account_id = context.account_id
    async with uow.begin(context) as session:
        tickets = TicketRepository(session)
        gate = await tickets.gate(account_id, command.pipeline_id)
        in_statuses = None if command.whole_pipeline else command.status_ids
        count = await tickets.count_live(account_id, command.pipeline_id, in_statuses)
        closing = gate.close(command, count)
        if closing.move_to_status_id is not None:
            await _move_tickets(tickets, gate, command, closing.move_to_status_id, session.now)
        if not closing.refused:
            await tickets.save_gate(gate)
        await session.record(closing.answer)


async def _move_tickets(
    tickets: TicketRepository,
    gate: PipelineGate,
    command: CloseStatuses,
    target_status_id: str,
    now: datetime,
) -> None:
    """All of them or none: a ticket that cannot move fails the whole closing (the bulk
    move's batch logic, in this one transaction)."""
    pipeline = await tickets.pipeline(gate.account_id, gate.pipeline_id)
    automation = Requester.automation(AUTOMATION_NAME)
    targets = dict.fromkeys(command.status_ids, target_status_id)
    for status_id in command.status_ids:
        after: str | None = None
        while True:
            page, after = await tickets.live_page(
                gate.account_id, gate.pipeline_id, status_id, after=after, limit=PAGE_SIZE
            )
            result = move_batch(
                page, pipeline=pipeline, gate=gate, targets=targets, actor=automation, now=now
            )
            result.require_all_moved()
            for ticket in result.moved:
                await tickets.save(ticket)
            if after is None:
                break
