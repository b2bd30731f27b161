"""Conversations (threads) and their messages, as the channels service keeps them.

A conversation belongs to one contact on one connected channel; its token threads replies
that lost their headers. A message is inbound (ingested) or outbound (sent through
`channels.send_message`); an inbound one held as an auto-reply, a bounce or a suspected
loop belongs to no conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from ticketflow_contracts import (
    ChannelType,
    HeldReason,
    MatchedBy,
    MessageClassification,
    MessageDirection,
    SendOrigin,
    ThreadRelation,
)

MAX_TEXT = 20_000
EXCERPT = 500


@dataclass(frozen=True)
class Conversation:
    id: str
    account_id: str
    channel: ChannelType
    connection_id: str
    contact_id: str
    subject: str
    token: str
    created_at: datetime
    last_message_at: datetime
    ticket_id: str | None = None
    message_count: int = 0
    version: int | None = None

    def with_message(self, at: datetime) -> Conversation:
        return replace(
            self,
            last_message_at=max(at, self.last_message_at),
            message_count=self.message_count + 1,
        )


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment's metadata; its bytes are the blob `sha256`."""

    index: int
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool = False


class SendState(StrEnum):
    """An outbound message's delivery: recorded before it is sent (`pending`), then `sent`
    or `failed`; an inbound message is `received`."""

    RECEIVED = "received"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Participant:
    address: str
    name: str = ""


@dataclass(frozen=True)
class ConversationMessage:
    id: str
    account_id: str
    channel: ChannelType
    direction: MessageDirection
    occurred_at: datetime
    conversation_id: str | None
    contact_id: str | None
    sender: Participant | None
    recipients: tuple[Participant, ...] = ()
    subject: str = ""
    text: str = ""  # the new text, without the quoted history
    full_text: str = ""
    html: str = ""
    email_message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[StoredAttachment, ...] = ()
    classification: MessageClassification | None = None
    signal: str = ""  # what decided the classification, e.g. "subject: Fwd:"
    matched_by: MatchedBy | None = None
    held: HeldReason | None = None
    automated: bool = False
    connection_id: str | None = None
    raw_sha256: str | None = None
    problems: tuple[str, ...] = ()
    # Outbound only.
    origin: SendOrigin | None = None
    ticket_id: str | None = None
    user_id: str | None = None
    state: SendState = SendState.RECEIVED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    error: str = ""
    version: int | None = field(default=None, compare=False)

    @property
    def excerpt(self) -> str:
        return " ".join((self.text or self.full_text).split())[:EXCERPT]

    @property
    def relation(self) -> ThreadRelation:
        return thread_relation(self.classification)


def thread_relation(classification: MessageClassification | None) -> ThreadRelation:
    """The coarse relation the first readers of `conversation.message_received` know."""
    if classification is MessageClassification.NEW:
        return ThreadRelation.NEW_THREAD
    if classification is MessageClassification.REPLY:
        return ThreadRelation.REPLY
    if classification is MessageClassification.FORWARD:
        return ThreadRelation.FORWARD
    return ThreadRelation.OTHER


def bounded_text(text: str) -> str:
    return text[:MAX_TEXT]
