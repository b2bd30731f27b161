"""Notes on a ticket's timeline: what an agent or an integration writes about a ticket.
A note's body is text, trimmed, 1 to 65,536 characters (HubSpot's limit on a note body)."""

from __future__ import annotations

from ticketflow_contracts import Actor, TicketNoteAdded
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.model import Ticket

MAX_NOTE_LENGTH = 65_536


def clean_note_body(body: str) -> str:
    cleaned = body.strip()
    if not cleaned:
        raise InvalidTicket([ErrorDetail("a note needs a body", "body", "blank")])
    if len(cleaned) > MAX_NOTE_LENGTH:
        message = f"a note is at most {MAX_NOTE_LENGTH} characters"
        raise InvalidTicket([ErrorDetail(message, "body", "too_long")])
    return cleaned


def note_added(ticket: Ticket, note_id: str, body: str, actor: Actor) -> TicketNoteAdded:
    return TicketNoteAdded(
        ticket_id=ticket.id,
        source_type=ticket.source_type,
        note_id=note_id,
        body=clean_note_body(body),
        actor=actor,
    )
