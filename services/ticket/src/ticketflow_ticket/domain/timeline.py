"""A ticket's timeline: one entry per event about it (its creation, status and property changes,
archiving, the messages of its conversation, the notifications sent about it), built from
each event by pure functions and read newest first (then by id, as the store pages them).

An entry's id is the event's `message_id`, so a redelivered event makes no second entry;
its time is the event's `occurred_at`, so events that arrive out of order still sort right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ticketflow_contracts import (
    Actor,
    ActorKind,
    ConversationMessageEvent,
    ConversationMessageReceived,
    ConversationMessageSent,
    Event,
    NotificationSent,
    TicketArchived,
    TicketCreated,
    TicketNoteAdded,
    TicketStatusChanged,
    TicketUpdated,
)


class EntryType(StrEnum):
    TICKET_CREATED = "TICKET_CREATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    PROPERTIES_CHANGED = "PROPERTIES_CHANGED"
    TICKET_ARCHIVED = "TICKET_ARCHIVED"
    MESSAGE_RECEIVED = "MESSAGE_RECEIVED"
    MESSAGE_SENT = "MESSAGE_SENT"
    NOTIFICATION_SENT = "NOTIFICATION_SENT"
    NOTE_ADDED = "NOTE_ADDED"


@dataclass(frozen=True)
class Creation:
    pipeline_id: str
    status_id: str
    source_type: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """From one status to another; the pipelines differ on a move between pipelines."""

    from_pipeline_id: str
    from_status_id: str
    from_state: str
    to_pipeline_id: str
    to_status_id: str
    to_state: str
    # A status-update trigger's move: the trigger and the conversation message that fired it.
    trigger: str | None = None
    trigger_message_id: str | None = None


@dataclass(frozen=True)
class PropertyChange:
    """`old_value_known` is False for events recorded before they carried old values."""

    name: str
    new_value: str | None
    old_value: str | None = None
    old_value_known: bool = False


@dataclass(frozen=True)
class PropertyChanges:
    changes: tuple[PropertyChange, ...]


@dataclass(frozen=True)
class Archival:
    pipeline_id: str
    status_id: str


@dataclass(frozen=True)
class MessageLink:
    """A message of the ticket's conversation; channels owns it, this is what the timeline
    shows and the ids that lead to it."""

    message_id: str
    thread_id: str
    channel: str
    direction: str
    sent_from_ticket: bool = False
    subject: str | None = None
    excerpt: str = ""
    sender_name: str | None = None
    sender_address: str | None = None
    attachment_count: int = 0


@dataclass(frozen=True)
class NotificationLink:
    """A customer email or internal notification; the notifier owns the delivery."""

    delivery_id: str
    kind: str
    recipient_kind: str
    recipient_id: str | None = None
    recipient_address: str | None = None
    template: str | None = None
    subject: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Note:
    note_id: str
    body: str


Details = (
    Creation | StatusChange | PropertyChanges | Archival | MessageLink | NotificationLink | Note
)

DETAILS_TYPES: Mapping[EntryType, type[Details]] = {
    EntryType.TICKET_CREATED: Creation,
    EntryType.STATUS_CHANGED: StatusChange,
    EntryType.PROPERTIES_CHANGED: PropertyChanges,
    EntryType.TICKET_ARCHIVED: Archival,
    EntryType.MESSAGE_RECEIVED: MessageLink,
    EntryType.MESSAGE_SENT: MessageLink,
    EntryType.NOTIFICATION_SENT: NotificationLink,
    EntryType.NOTE_ADDED: Note,
}


@dataclass(frozen=True)
class TimelineEntry:
    """`actor` is who or what did it: a user, a trigger or automation (None for a customer's
    message and for notifications, whose details name the sender or recipient)."""

    id: str
    account_id: str
    ticket_id: str
    type: EntryType
    occurred_at: datetime
    details: Details
    actor: Actor | None = None


# The events that make timeline entries; a subscriber routes each of them to `entry_for`.
TIMELINE_EVENTS: tuple[type[Event], ...] = (
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketArchived,
    TicketNoteAdded,
    ConversationMessageReceived,
    ConversationMessageSent,
    NotificationSent,
)


def entry_for(
    event: Event, *, message_id: str, account_id: str, occurred_at: datetime
) -> TimelineEntry | None:
    """The timeline entry an event makes (`message_id`, `account_id` and `occurred_at` come
    from its envelope); None when it makes none: a message of a conversation not linked to
    a ticket, or an event the timeline does not show."""
    built = _details(event)
    if built is None:
        return None
    entry_type, ticket_id, details, actor = built
    return TimelineEntry(message_id, account_id, ticket_id, entry_type, occurred_at, details, actor)


_Built = tuple[EntryType, str, Details, Actor | None]


def _details(event: Event) -> _Built | None:
    if isinstance(event, TicketCreated):
        return EntryType.TICKET_CREATED, event.ticket_id, _creation(event), _creator(event)
    if isinstance(event, TicketStatusChanged):
        return EntryType.STATUS_CHANGED, event.ticket_id, _status_change(event), event.actor
    if isinstance(event, TicketUpdated):
        return EntryType.PROPERTIES_CHANGED, event.ticket_id, _property_changes(event), event.actor
    if isinstance(event, TicketArchived):
        archival = Archival(event.pipeline_id, event.status_id)
        return EntryType.TICKET_ARCHIVED, event.ticket_id, archival, event.actor
    if isinstance(event, TicketNoteAdded):
        return EntryType.NOTE_ADDED, event.ticket_id, Note(event.note_id, event.body), event.actor
    if isinstance(event, ConversationMessageEvent):
        return _message(event)
    if isinstance(event, NotificationSent):
        return EntryType.NOTIFICATION_SENT, event.ticket_id, _notification(event), None
    return None


def _creation(event: TicketCreated) -> Creation:
    source = event.source_type.value if event.source_type else None
    return Creation(event.pipeline_id, event.status_id, source, event.subject)


def _creator(event: TicketCreated) -> Actor:
    """Events recorded before they carried the actor name only the user (None: automation)."""
    if event.actor is not None:
        return event.actor
    if event.created_by is not None:
        return Actor(kind=ActorKind.USER, id=event.created_by)
    return Actor(kind=ActorKind.AUTOMATION)


def _status_change(event: TicketStatusChanged) -> StatusChange:
    return StatusChange(
        from_pipeline_id=event.from_pipeline_id or event.pipeline_id,
        from_status_id=event.from_status_id,
        from_state=event.from_state.value,
        to_pipeline_id=event.pipeline_id,
        to_status_id=event.to_status_id,
        to_state=event.to_state.value,
        trigger=event.cause.trigger if event.cause else None,
        trigger_message_id=event.cause.message_id if event.cause else None,
    )


def _property_changes(event: TicketUpdated) -> PropertyChanges:
    previous = event.previous_properties
    return PropertyChanges(
        tuple(
            PropertyChange(
                name,
                value,
                old_value=previous.get(name) if previous is not None else None,
                old_value_known=previous is not None and name in previous,
            )
            for name, value in sorted(event.properties.items())
        )
    )


def _message(event: ConversationMessageEvent) -> _Built | None:
    if event.ticket_id is None:
        return None
    sender = event.sender
    link = MessageLink(
        message_id=event.message_id,
        thread_id=event.thread_id,
        channel=event.channel.value,
        direction=event.direction.value,
        sent_from_ticket=isinstance(event, ConversationMessageSent) and event.sent_from_ticket,
        subject=event.subject,
        excerpt=event.excerpt,
        sender_name=sender.name if sender else None,
        sender_address=sender.address if sender else None,
        attachment_count=event.attachment_count,
    )
    actor = Actor(kind=ActorKind.USER, id=sender.user_id) if sender and sender.user_id else None
    if isinstance(event, ConversationMessageSent):
        return EntryType.MESSAGE_SENT, event.ticket_id, link, actor
    return EntryType.MESSAGE_RECEIVED, event.ticket_id, link, actor


def _notification(event: NotificationSent) -> NotificationLink:
    recipient = event.recipient
    return NotificationLink(
        delivery_id=event.delivery_id,
        kind=event.kind.value,
        recipient_kind=recipient.kind.value,
        recipient_id=recipient.id,
        recipient_address=recipient.address,
        template=event.template,
        subject=event.subject,
        link=event.link,
    )


def newest_first(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline's order: latest `occurred_at` first; equal times by id (ascending)."""
    by_id = sorted(entries, key=lambda e: e.id)
    return sorted(by_id, key=lambda e: e.occurred_at, reverse=True)
