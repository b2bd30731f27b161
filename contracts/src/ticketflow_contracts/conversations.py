"""Conversation message events, published by the channels service (the owner of conversations,
threads and messages).

- `conversation.message_received.<channel>`: a message came in on a connected channel; its
  `thread_relation` says how it relates to the thread (new thread, reply, forward, other).
  The ticket service creates a ticket for a new thread, or applies the "customer replies"
  trigger.
- `conversation.message_sent.<channel>`: channels delivered a message; `origin` says where it
  was sent from (`ticket_record` is what the "email sent to customer" trigger follows;
  `sent_from_ticket` says the same for readers of the first fields).
- `conversation.message_failed.<channel>`: channels gave up delivering a message (a
  permanent refusal, or retries exhausted); `error` says why.
- `conversation.message_held.<channel>`: an inbound message that opens no conversation: an
  auto-reply or a bounce that answers none of ours, or one of a burst from one sender (a
  suspected mail loop). Recorded, never a ticket.
- `channels.send_message` (command): send a message in a conversation, on its channel.

The key ends with the channel (`email`, `chat`, `messenger`), so a workflow subscriber
follows everything from chat with one binding. `ticket_id` is set once channels knows the
ticket the thread belongs to.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ticketflow_contracts.channels import ChannelType
from ticketflow_contracts.messages import Command, Event


class MessageDirection(StrEnum):
    """HubSpot's message `direction`."""

    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


class ThreadRelation(StrEnum):
    NEW_THREAD = "new_thread"
    REPLY = "reply"
    FORWARD = "forward"
    OTHER = "other"


class MessageClassification(StrEnum):
    """What an inbound message is, as ingestion classified it (`matched_by` says which
    thread it joined and why)."""

    NEW = "new"
    REPLY = "reply"
    FORWARD = "forward"
    REPLY_TO_FORWARD = "reply_to_forward"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


class MatchedBy(StrEnum):
    """The signal that put an inbound message into its thread (`none`: it opened one)."""

    IN_REPLY_TO = "in_reply_to"
    REFERENCES = "references"
    TOKEN_REPLY_TO = "token_reply_to"
    TOKEN_SUBJECT = "token_subject"
    NONE = "none"


class SendOrigin(StrEnum):
    """Where an outbound message was sent from."""

    TICKET_RECORD = "ticket_record"
    CONTACT_RECORD = "contact_record"
    AUTOMATION = "automation"


class HeldReason(StrEnum):
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    SUSPECTED_LOOP = "suspected_loop"


class Participant(BaseModel):
    """A sender or recipient: a visitor or contact (by address) or one of the account's users."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str | None = None
    address: str | None = Field(
        default=None,
        description="the email address, the chat visitor's id or the Messenger sender's PSID",
    )
    user_id: str | None = Field(default=None, description="set when an agent (a user) sent it")


class ConversationMessageEvent(Event):
    prefix = "conversation"

    message_id: str = Field(min_length=1, description="the message, unique within the account")
    thread_id: str = Field(min_length=1, description="the thread (conversation) it belongs to")
    channel: ChannelType = Field(description="its channel; the routing key's suffix")
    channel_connection_id: str | None = Field(
        default=None, description="the connected channel (inbox, chat widget, page) it used"
    )
    ticket_id: str | None = Field(
        default=None, description="the ticket the thread is linked to, when there is one"
    )
    direction: MessageDirection
    sender: Participant | None = None
    recipients: list[Participant] = Field(default_factory=list)
    subject: str | None = Field(default=None, description="an email's subject")
    excerpt: str = Field(
        default="",
        description="the start of the message's text (channels sends at most 500 characters)",
    )
    attachment_count: int = Field(default=0, ge=0)
    in_reply_to_message_id: str | None = None
    contact_id: str | None = Field(
        default=None, description="the contact who wrote, or was written to"
    )
    text: str = Field(
        default="",
        description="the message's text without the quoted history (at most 20,000 characters)",
    )
    email_message_id: str | None = Field(
        default=None, description="an email's Message-ID, without angle brackets"
    )
    automated: bool = Field(
        default=False, description="an auto-reply or a bounce (inbound); automation (outbound)"
    )

    def source_channel(self) -> str | None:
        return self.channel.value

    def aggregate_id(self) -> str | None:
        return self.thread_id


class ConversationMessageReceived(ConversationMessageEvent):
    """A message came in (`conversation.message_received.<channel>`)."""

    direction: MessageDirection = MessageDirection.INCOMING
    thread_relation: ThreadRelation = Field(
        default=ThreadRelation.OTHER, description="how the message relates to its thread"
    )
    received_at: datetime
    classification: MessageClassification | None = Field(
        default=None,
        description="new, reply, forward, reply_to_forward, auto_reply or bounce",
    )
    matched_by: MatchedBy | None = Field(
        default=None, description="the signal that put it into its thread; none: it opened one"
    )


class ConversationMessageSent(ConversationMessageEvent):
    """A message went out (`conversation.message_sent.<channel>`)."""

    direction: MessageDirection = MessageDirection.OUTGOING
    sent_from_ticket: bool = Field(
        default=False, description="an agent sent it from the ticket record"
    )
    sent_at: datetime
    origin: SendOrigin | None = Field(
        default=None, description="ticket_record, contact_record or automation"
    )


class ConversationMessageFailed(ConversationMessageEvent):
    """A message could not be delivered (`conversation.message_failed.<channel>`)."""

    direction: MessageDirection = MessageDirection.OUTGOING
    origin: SendOrigin | None = None
    error: str = Field(description="why, as the receiving server or the channel said it")
    failed_at: datetime


class ConversationMessageHeld(Event):
    """An inbound message that opened no conversation (`conversation.message_held.<channel>`):
    an auto-reply or a bounce that matched none of our threads, or one of a burst from one
    sender (a suspected mail loop)."""

    prefix = "conversation"

    message_id: str = Field(min_length=1, description="the held message, unique in the account")
    channel: ChannelType
    channel_connection_id: str | None = None
    reason: HeldReason
    contact_id: str | None = None
    sender: Participant | None = None
    subject: str | None = None
    excerpt: str = ""
    email_message_id: str | None = None
    received_at: datetime

    def source_channel(self) -> str | None:
        return self.channel.value


class SendMessage(Command):
    """Send a message in a conversation, on its channel (`channels.send_message`). Sent once
    per command message (the envelope's message_id); `conversation.message_sent` or
    `conversation.message_failed` follows."""

    prefix = "channels"

    conversation_id: str = Field(min_length=1)
    text: str | None = Field(default=None, max_length=200_000)
    html: str | None = Field(default=None, max_length=1_000_000)
    subject: str | None = Field(
        default=None, max_length=998, description="default: Re: the conversation's subject"
    )
    origin: SendOrigin
    ticket_id: str | None = None
    user_id: str | None = Field(default=None, description="the agent who sent it, if any")
    message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the id the message is to have, so that the sender can answer with it"
        " before channels records it; unique in the account; default: channels makes one",
    )

    @model_validator(mode="after")
    def _has_a_body(self) -> SendMessage:
        if not (self.text or "").strip() and not (self.html or "").strip():
            raise ValueError("a message needs text or html")
        return self

    def aggregate_id(self) -> str | None:
        return self.conversation_id
