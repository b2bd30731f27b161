"""Conversation message events, published by the channels service (the owner of conversations,
threads and messages).

- `conversation.message_received.<channel>`: a message came in on a connected channel; its
  `thread_relation` says how it relates to the thread (new thread, reply, forward, other).
  The ticket service creates a ticket for a new thread, or applies the "customer replies"
  trigger.
- `conversation.message_sent.<channel>`: channels delivered a message; `sent_from_ticket`
  marks one an agent sent from the ticket record (the "email sent to customer" trigger).

The key ends with the channel (`email`, `chat`, `messenger`), so a workflow subscriber
follows everything from chat with one binding. `ticket_id` is set once channels knows the
ticket the thread belongs to.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.channels import ChannelType
from ticketflow_contracts.messages import Event


class MessageDirection(StrEnum):
    """HubSpot's message `direction`."""

    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


class ThreadRelation(StrEnum):
    NEW_THREAD = "new_thread"
    REPLY = "reply"
    FORWARD = "forward"
    OTHER = "other"


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


class ConversationMessageSent(ConversationMessageEvent):
    """A message went out (`conversation.message_sent.<channel>`)."""

    direction: MessageDirection = MessageDirection.OUTGOING
    sent_from_ticket: bool = Field(
        default=False, description="an agent sent it from the ticket record"
    )
    sent_at: datetime
