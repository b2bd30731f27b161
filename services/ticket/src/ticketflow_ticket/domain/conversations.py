"""Tickets from connected channels: which inbound message opens a ticket, where (the
connection's pipeline), with what (subject, content, source), and the one ticket a
conversation gets. Pure: the handler (handlers/conversations.py) loads and stores.

A message opens a ticket when it opened its thread (`matched_by` none; classified `new` or
`forward`, never an auto-reply or a bounce, never `automated`; a v1 event without
`classification` by `thread_relation == new_thread`), on a connection the replica holds,
connected, with "create tickets" on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from ticketflow_contracts import (
    ChannelConnectionSnapshot,
    ConversationMessageReceived,
    MatchedBy,
    MessageClassification,
    ThreadRelation,
)

NO_SUBJECT = "(no subject)"
SUBJECT_FROM_TEXT = 80  # characters of the text that name a ticket whose message had no subject
OPENING = frozenset({MessageClassification.NEW, MessageClassification.FORWARD})


def opened_its_thread(event: ConversationMessageReceived) -> bool:
    """The first message of its conversation, written by a person."""
    if event.automated:
        return False
    if event.matched_by is not None and event.matched_by is not MatchedBy.NONE:
        return False
    if event.classification is None:  # a v1 event from before classification
        return event.thread_relation is ThreadRelation.NEW_THREAD
    return event.classification in OPENING


def opens_ticket(
    event: ConversationMessageReceived, connection: ChannelConnectionSnapshot | None
) -> bool:
    """Whether `event` makes a ticket, on the connection as the replica holds it (None: not
    known, e.g. a message from a channel connected before this service kept the replica)."""
    return (
        opened_its_thread(event)
        and connection is not None
        and connection.connected
        and connection.create_tickets
    )


def ticket_properties(
    event: ConversationMessageReceived, connection: ChannelConnectionSnapshot
) -> Mapping[str, str | None]:
    """HubSpot properties of the new ticket: the connection's pipeline (its status left to
    the pipeline's rules: the first creation status, else the first Open one), the subject
    (else the start of the text, else "(no subject)"), the text as content, the source."""
    return {
        "hs_pipeline": connection.pipeline_id,
        "subject": subject_of(event),
        "content": event.text or event.excerpt or None,
        "source_type": event.channel.source_type.value,
    }


def subject_of(event: ConversationMessageReceived) -> str:
    subject = " ".join((event.subject or "").split())
    if subject:
        return subject
    text = " ".join((event.text or event.excerpt).split())
    if not text:
        return NO_SUBJECT
    return text if len(text) <= SUBJECT_FROM_TEXT else text[: SUBJECT_FROM_TEXT - 1] + "…"


def conversation_ticket_id(account_id: str, thread_id: str) -> str:
    """The id of the conversation's ticket: numeric like HubSpot's (48 bits), the same on
    every attempt, so two instances creating it at once collide on it too."""
    digest = hashlib.sha256(f"conversation\n{account_id}\n{thread_id}".encode()).digest()
    return str(int.from_bytes(digest[:6], "big"))
