"""ticketflow's published vocabulary: the envelope, events, commands, exchange and routing names.

Importable by any service, ours or not; depends on pydantic only.
"""

from ticketflow_contracts.accounts import AccountCreated, Tier
from ticketflow_contracts.channels import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionEvent,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
)
from ticketflow_contracts.conversations import (
    ConversationMessageEvent,
    ConversationMessageReceived,
    ConversationMessageSent,
    MessageDirection,
    Participant,
    ThreadRelation,
)
from ticketflow_contracts.envelope import Envelope
from ticketflow_contracts.messages import Command, Event, Message
from ticketflow_contracts.notifications import (
    NotificationRecipient,
    NotificationRecipientKind,
    NotificationSent,
)
from ticketflow_contracts.pipelines import (
    AccessGrant,
    AccessLevel,
    ActionKind,
    AutomationTriggers,
    CustomerTemplate,
    GranteeKind,
    PipelineAccess,
    PipelineCreated,
    PipelineDeleted,
    PipelineRules,
    PipelineSnapshot,
    PipelineSnapshotEvent,
    PipelineUpdated,
    RecipientKind,
    StatusAction,
    StatusProperty,
    StatusSnapshot,
    StatusTrigger,
    TicketState,
)
from ticketflow_contracts.properties import (
    PropertyFieldType,
    PropertyOption,
    PropertyType,
    TicketPropertyArchived,
    TicketPropertyDefined,
    TicketPropertyEvent,
    TicketPropertySnapshot,
)
from ticketflow_contracts.registry import ALL_MESSAGES, message_class
from ticketflow_contracts.retirement import CloseStatuses, StatusesClosed, StatusesCloseRefused
from ticketflow_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    dead_letter_queue,
    event_routing_key,
)
from ticketflow_contracts.sources import SourceType
from ticketflow_contracts.text import (
    NUL,
    forbidden_control_characters,
    has_forbidden_control_characters,
)
from ticketflow_contracts.tickets import (
    Actor,
    ActorKind,
    TicketArchived,
    TicketCreated,
    TicketEvent,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_contracts.tokens import TokenRevoked

__all__ = [
    "ALL_MESSAGES",
    "COMMANDS_EXCHANGE",
    "DEAD_LETTER_EXCHANGE",
    "EVENTS_EXCHANGE",
    "NUL",
    "AccessGrant",
    "AccessLevel",
    "AccountCreated",
    "ActionKind",
    "Actor",
    "ActorKind",
    "AutomationTriggers",
    "ChannelConnectionConnected",
    "ChannelConnectionDisconnected",
    "ChannelConnectionEvent",
    "ChannelConnectionSnapshot",
    "ChannelConnectionUpdated",
    "ChannelType",
    "CloseStatuses",
    "Command",
    "ConversationMessageEvent",
    "ConversationMessageReceived",
    "ConversationMessageSent",
    "CustomerTemplate",
    "Envelope",
    "Event",
    "GranteeKind",
    "Message",
    "MessageDirection",
    "NotificationRecipient",
    "NotificationRecipientKind",
    "NotificationSent",
    "Participant",
    "PipelineAccess",
    "PipelineCreated",
    "PipelineDeleted",
    "PipelineRules",
    "PipelineSnapshot",
    "PipelineSnapshotEvent",
    "PipelineUpdated",
    "PropertyFieldType",
    "PropertyOption",
    "PropertyType",
    "RecipientKind",
    "SourceType",
    "StatusAction",
    "StatusProperty",
    "StatusSnapshot",
    "StatusTrigger",
    "StatusesCloseRefused",
    "StatusesClosed",
    "ThreadRelation",
    "TicketArchived",
    "TicketCreated",
    "TicketEvent",
    "TicketPropertyArchived",
    "TicketPropertyDefined",
    "TicketPropertyEvent",
    "TicketPropertySnapshot",
    "TicketState",
    "TicketStatusChanged",
    "TicketUpdated",
    "Tier",
    "TokenRevoked",
    "dead_letter_queue",
    "event_routing_key",
    "forbidden_control_characters",
    "has_forbidden_control_characters",
    "message_class",
]
