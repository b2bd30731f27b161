"""Changing and archiving tickets. Every write is a version check on the ticket document: with
the caller's expected version (If-Match) a stale one is refused (409); without it a write that
lost a race is run again on a fresh read, so no write is ever lost silently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketflow_chassis.retry import retry_on_conflict
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import StaleTicket, TicketNotFound
from ticketflow_ticket.domain.model import Entry, Ticket
from ticketflow_ticket.handlers.tickets import visible_ticket


@dataclass(frozen=True)
class UpdateTicket:
    """HubSpot's SimplePublicObjectInput: `properties` by name; hs_pipeline_stage (with
    hs_pipeline, to move to another pipeline) changes the status."""

    ticket_id: str
    properties: Mapping[str, str | None]
    expected_version: int | None = None


async def update_ticket(
    uow: UnitOfWork, context: MessageContext, command: UpdateTicket, requester: Requester
) -> Ticket:
    return await retry_on_conflict(lambda: _update_once(uow, context, command, requester))


async def _update_once(
    uow: UnitOfWork, context: MessageContext, command: UpdateTicket, requester: Requester
) -> Ticket:
    account_id = context.account_id
    async with uow.begin(context) as session:
        tickets = TicketRepository(session)
        ticket, pipeline = await visible_ticket(tickets, account_id, command.ticket_id, requester)
        if ticket.archived:
            raise TicketNotFound(command.ticket_id)
        access.require_edit(pipeline, requester)
        _check_version(ticket, command.expected_version)
        definitions = await PropertyDefinitionRepository(session).definitions(
            account_id, command.properties
        )
        move = ticket.requested_move(command.properties)
        entry = None
        if move is not None:
            target_id = move[0]
            target = (
                pipeline
                if target_id == ticket.pipeline_id
                else await tickets.pipeline(account_id, target_id)
            )
            if not access.may_view(target, requester):
                target = None  # as if it did not exist
            elif target is not None:
                access.require_edit(target, requester)
            entry = Entry(target, await tickets.gate(account_id, target_id))
        if ticket.update(
            command.properties,
            definitions=definitions,
            requester=requester,
            now=session.now,
            entry=entry,
        ):
            await tickets.save(ticket)
            if entry is not None:
                await tickets.save_gate(entry.gate)
    return ticket


async def archive_ticket(
    uow: UnitOfWork,
    context: MessageContext,
    ticket_id: str,
    requester: Requester,
    expected_version: int | None = None,
) -> None:
    """Archiving an archived ticket again changes nothing (HubSpot answers 204 too)."""

    async def once() -> None:
        async with uow.begin(context) as session:
            tickets = TicketRepository(session)
            ticket, pipeline = await visible_ticket(
                tickets, context.account_id, ticket_id, requester
            )
            access.require_edit(pipeline, requester)
            _check_version(ticket, expected_version)
            if ticket.archive(requester, session.now):
                await tickets.save(ticket)

    await retry_on_conflict(once)


def _check_version(ticket: Ticket, expected: int | None) -> None:
    if expected is not None and ticket.version != expected:
        raise StaleTicket(ticket.id, expected, ticket.version)
