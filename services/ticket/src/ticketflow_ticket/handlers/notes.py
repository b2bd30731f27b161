"""Adding a note to a ticket's timeline: whoever may edit the ticket (its pipeline's access),
not on an archived ticket. The note is an event (`ticket.note_added`), which the timeline
projection shows, like every other entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketNoteAdded
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.notes import note_added
from ticketflow_ticket.handlers.tickets import visible_ticket


@dataclass(frozen=True)
class AddNote:
    requester: Requester
    ticket_id: str
    body: str


@dataclass(frozen=True)
class AddedNote:
    event: TicketNoteAdded
    added_at: datetime


async def add_note(command: AddNote, uow: UnitOfWork, context: MessageContext) -> AddedNote:
    return await uow.retrying(_add_once, command, uow, context)


async def _add_once(command: AddNote, uow: UnitOfWork, context: MessageContext) -> AddedNote:
    async with uow.begin(context) as session:
        repository = TicketRepository(session)
        ticket, pipeline = await visible_ticket(
            repository, context.account_id, command.ticket_id, command.requester
        )
        if ticket.archived:
            raise TicketNotFound(command.ticket_id)
        access.require_edit(pipeline, command.requester)
        note_id = numeric_id()
        event = note_added(ticket, note_id, command.body, command.requester.actor)
        await session.record(event)
    return AddedNote(event, session.now)
