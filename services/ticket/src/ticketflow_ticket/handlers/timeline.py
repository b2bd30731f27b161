"""Keeping and reading tickets' timelines. Entries come from events, never from the write
handlers, so every path that changes a ticket (HTTP, bulk moves, the saga) shows: this
service's own ticket events in the unit of work that records them (`project_own_event`, a
projection of the unit of work), other services' (conversation messages, notifications
sent) from the broker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import Command, ConversationMessageEvent, Envelope, Event
from ticketflow_ticket.adapters.channel_repository import ConversationTickets
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.adapters.timeline_repository import TimelineRepository
from ticketflow_ticket.domain import timeline
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.timeline import TimelineEntry
from ticketflow_ticket.handlers.tickets import visible_ticket

E = TypeVar("E", bound=Event)


async def project_own_event(
    session: Session, envelope: Envelope[Any], message: Event | Command
) -> None:
    """The entry of an event this service records, written in the same transaction: it
    commits with the ticket's change or not at all, and costs no consume, inbox mark or
    transaction of its own."""
    if not isinstance(message, Event):
        return
    entry = _entry_of(message, envelope)
    if entry is not None:
        TimelineRepository(session).add_new(entry)


def _entry_of(event: Event, envelope: Envelope[Any]) -> TimelineEntry | None:
    """The entry `event` makes, taking its envelope's id and time."""
    return timeline.entry_for(
        event,
        message_id=str(envelope.message_id),
        account_id=envelope.account_id,
        occurred_at=envelope.occurred_at,
    )


async def record_timeline_entry(
    envelope: Envelope[E], uow: UnitOfWork, context: MessageContext
) -> None:
    """One entry per event (in its envelope, whose id and time the entry takes), whatever the
    order and however often it comes: the inbox drops a redelivery, and the entry's id (the
    event's message id) is taken only once. A conversation message whose event names no
    ticket goes to the ticket its conversation got here (`conversation_tickets`), if any."""
    event = envelope.payload
    if isinstance(event, ConversationMessageEvent) and event.ticket_id is None:
        await uow.retrying(_add_message_entry_once, envelope, uow, context)
        return
    entry = _entry_of(event, envelope)
    if entry is not None:
        await uow.retrying(_add_entry_once, entry, uow, context)


async def _add_entry_once(entry: TimelineEntry, uow: UnitOfWork, context: MessageContext) -> None:
    async with uow.begin(context) as session:
        await TimelineRepository(session).add(entry)


async def _add_message_entry_once(
    envelope: Envelope[E], uow: UnitOfWork, context: MessageContext
) -> None:
    event = envelope.payload
    assert isinstance(event, ConversationMessageEvent)
    async with uow.begin(context) as session:
        ticket_id = await ConversationTickets(session).ticket_of(
            context.account_id, event.thread_id
        )
        if ticket_id is None:
            return
        entry = _entry_of(event.model_copy(update={"ticket_id": ticket_id}), envelope)
        if entry is not None:
            await TimelineRepository(session).add(entry)


@dataclass(frozen=True)
class ReadTimeline:
    requester: Requester
    ticket_id: str
    limit: int
    after: str | None = None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    after: str | None


async def read_timeline(
    command: ReadTimeline, uow: UnitOfWork, context: MessageContext
) -> TimelinePage:
    """The ticket's entries newest first, `limit` at a time; TicketNotFound when the requester
    may not see the ticket. An archived ticket's timeline stays readable: it ends with the
    archiving."""
    account_id, ticket_id = context.account_id, command.ticket_id
    async with uow.read(context) as session:
        await visible_ticket(TicketRepository(session), account_id, ticket_id, command.requester)
        entries, next_after = await TimelineRepository(session).page(
            account_id, ticket_id, limit=command.limit, after=command.after
        )
    return TimelinePage(entries, next_after)
