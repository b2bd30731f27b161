"""Creating and reading tickets."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.model import Ticket


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


async def create_ticket(uow: UnitOfWork, context: MessageContext, command: CreateTicket) -> Ticket:
    async with uow.begin(context) as session:
        repository = TicketRepository(session)
        pipeline = await repository.pipeline(context.account_id, command.pipeline_id)
        ticket = Ticket.create(
            ticket_id=command.ticket_id,
            account_id=context.account_id,
            pipeline=pipeline,
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
    return ticket


async def get_ticket(uow: UnitOfWork, context: MessageContext, ticket_id: str) -> Ticket:
    async with uow.begin(context) as session:
        ticket = await TicketRepository(session).get(context.account_id, ticket_id)
    if ticket is None or ticket.archived:
        raise TicketNotFound(ticket_id)
    return ticket
