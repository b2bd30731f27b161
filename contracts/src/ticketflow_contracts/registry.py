"""Every concrete message class, by type name; the schema snapshot and decoders read it."""

from __future__ import annotations

from ticketflow_contracts.accounts import AccountCreated
from ticketflow_contracts.channels import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
)
from ticketflow_contracts.contacts import ContactCreated, ContactUpdated
from ticketflow_contracts.conversations import (
    ConversationMessageFailed,
    ConversationMessageHeld,
    ConversationMessageReceived,
    ConversationMessageSent,
    SendMessage,
)
from ticketflow_contracts.directory import (
    TeamCreated,
    TeamDeleted,
    TeamUpdated,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from ticketflow_contracts.messages import Message
from ticketflow_contracts.notifications import NotificationSent
from ticketflow_contracts.pipelines import PipelineCreated, PipelineDeleted, PipelineUpdated
from ticketflow_contracts.properties import TicketPropertyArchived, TicketPropertyDefined
from ticketflow_contracts.retirement import CloseStatuses, StatusesClosed, StatusesCloseRefused
from ticketflow_contracts.tickets import (
    TicketArchived,
    TicketCreated,
    TicketNoteAdded,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_contracts.tokens import TokenRevoked, TokenUsed

ALL_MESSAGES: tuple[type[Message], ...] = (
    AccountCreated,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    TeamCreated,
    TeamUpdated,
    TeamDeleted,
    PipelineCreated,
    PipelineUpdated,
    PipelineDeleted,
    TicketPropertyDefined,
    TicketPropertyArchived,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketArchived,
    TicketNoteAdded,
    CloseStatuses,
    StatusesClosed,
    StatusesCloseRefused,
    ChannelConnectionConnected,
    ChannelConnectionUpdated,
    ChannelConnectionDisconnected,
    ConversationMessageReceived,
    ConversationMessageSent,
    ConversationMessageFailed,
    ConversationMessageHeld,
    SendMessage,
    NotificationSent,
    TokenRevoked,
    ContactCreated,
    ContactUpdated,
    TokenUsed,
)

_BY_TYPE = {cls.message_type(): cls for cls in ALL_MESSAGES}


def message_class(message_type: str) -> type[Message] | None:
    return _BY_TYPE.get(message_type)
