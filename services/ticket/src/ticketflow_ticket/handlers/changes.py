"""Changing and archiving tickets. Every write is a version check on the ticket document: with
the caller's expected version (If-Match) a stale one is refused (409); without it a write that
lost a race is run again on a fresh read, so no write is ever lost silently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import StaleTicket, TicketNotFound
from ticketflow_ticket.domain.model import Entry, Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.handlers.owners import OWNER_WAIT_SECONDS, await_owner, owners_of
from ticketflow_ticket.handlers.tickets import visible_ticket


@dataclass(frozen=True)
class UpdateTicket:
    """HubSpot's SimplePublicObjectInput: `properties` by name; hs_pipeline_stage (with
    hs_pipeline, to move to another pipeline) changes the status."""

    requester: Requester
    ticket_id: str
    properties: Mapping[str, str | None]
    expected_version: int | None = None
    owner_wait_seconds: float = OWNER_WAIT_SECONDS


@dataclass(frozen=True)
class ArchiveTicket:
    """HubSpot's delete."""

    requester: Requester
    ticket_id: str
    expected_version: int | None = None


async def update_ticket(command: UpdateTicket, uow: UnitOfWork, context: MessageContext) -> Ticket:
    await await_owner(command.properties, uow, context, command.owner_wait_seconds)
    return await uow.retrying(_update_once, command, uow, context)


async def _update_once(command: UpdateTicket, uow: UnitOfWork, context: MessageContext) -> Ticket:
    account_id, requester = context.account_id, command.requester
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
            target = await _target(tickets, account_id, pipeline, move[0])
            entry = Entry(
                access.entered_pipeline(target, requester),
                await tickets.gate(account_id, move[0]),
            )
        if ticket.update(
            command.properties,
            definitions=definitions,
            owners=await owners_of(session, account_id, command.properties),
            requester=requester,
            now=session.now,
            entry=entry,
        ):
            await tickets.save(ticket)
            if entry is not None:
                await tickets.save_gate(entry.gate)
    return ticket


async def _target(
    tickets: TicketRepository, account_id: str, current: PipelineReplica, target_id: str
) -> PipelineReplica | None:
    if target_id == current.pipeline.id:
        return current
    return await tickets.pipeline(account_id, target_id)


async def archive_ticket(command: ArchiveTicket, uow: UnitOfWork, context: MessageContext) -> None:
    """Archiving an archived ticket again changes nothing (HubSpot answers 204 too)."""
    await uow.retrying(_archive_once, command, uow, context)


async def _archive_once(command: ArchiveTicket, uow: UnitOfWork, context: MessageContext) -> None:
    requester = command.requester
    async with uow.begin(context) as session:
        tickets = TicketRepository(session)
        ticket, pipeline = await visible_ticket(
            tickets, context.account_id, command.ticket_id, requester
        )
        access.require_edit(pipeline, requester)
        _check_version(ticket, command.expected_version)
        if ticket.archive(requester, session.now):
            await tickets.save(ticket)


def _check_version(ticket: Ticket, expected: int | None) -> None:
    if expected is not None and ticket.version != expected:
        raise StaleTicket(ticket.id, expected, ticket.version)
