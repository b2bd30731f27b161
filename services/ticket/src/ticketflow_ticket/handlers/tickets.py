"""Creating and reading tickets; a creation passes its pipeline's gate (domain/gates.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Viewer
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.handlers.conflicts import retry_on_conflict


@dataclass(frozen=True)
class CreateTicket:
    ticket_id: str
    pipeline_id: str
    status_id: str | None
    subject: str | None = None
    content: str | None = None
    priority: str | None = None
    owner_id: str | None = None
    source_type: str | None = None
    created_by: str | None = None


async def create_ticket(
    uow: UnitOfWork, context: MessageContext, command: CreateTicket, viewer: Viewer
) -> Ticket:
    """Reads and writes the pipeline's gate with the ticket, so that it cannot commit beside
    a closing of its status; one that loses that race is retried (and then sees the
    closing), and after a few losses the ConflictError surfaces (HTTP 409)."""
    return await retry_on_conflict(lambda: _create_once(uow, context, command, viewer))


async def _create_once(
    uow: UnitOfWork, context: MessageContext, command: CreateTicket, viewer: Viewer
) -> Ticket:
    async with uow.begin(context) as session:
        repository = TicketRepository(session)
        pipeline = await repository.pipeline(context.account_id, command.pipeline_id)
        if not access.may_view(pipeline, viewer):
            pipeline = None  # a pipeline the user may not see does not exist for them
        elif pipeline is not None:
            access.require_edit(pipeline, viewer)
        gate = await repository.gate(context.account_id, command.pipeline_id)
        ticket = Ticket.create(
            ticket_id=command.ticket_id,
            account_id=context.account_id,
            pipeline=pipeline,
            gate=gate,
            pipeline_id=command.pipeline_id,
            status_id=command.status_id,
            subject=command.subject,
            content=command.content,
            priority=command.priority,
            owner_id=command.owner_id,
            source_type=command.source_type,
            created_by=command.created_by,
            now=session.now,
        )
        await repository.add(ticket)
        await repository.save_gate(gate)
    return ticket


async def get_ticket(
    uow: UnitOfWork, context: MessageContext, ticket_id: str, viewer: Viewer
) -> Ticket:
    async with uow.begin(context) as session:
        repository = TicketRepository(session)
        ticket = await repository.get(context.account_id, ticket_id)
        pipeline = (
            await repository.pipeline(context.account_id, ticket.pipeline_id) if ticket else None
        )
    if ticket is None or ticket.archived or not access.may_view(pipeline, viewer):
        raise TicketNotFound(ticket_id)
    return ticket
