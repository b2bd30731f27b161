"""Channel connection events, published by the channels service (the owner of connections).

Each carries the full connection with a rising `revision`; a replica (pipeline, ticket)
applies one only when it is newer than its own, so order and duplicates do not matter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event
from ticketflow_contracts.sources import SourceType


class ChannelType(StrEnum):
    """The kinds of channel an account connects; the values are SourceType's channels."""

    EMAIL = "email"
    CHAT = "chat"
    MESSENGER = "messenger"

    @property
    def source_type(self) -> SourceType:
        """The `source_type` of the tickets and conversations that come in on this channel."""
        return _SOURCE_TYPES[self]


_SOURCE_TYPES = {
    ChannelType.EMAIL: SourceType.EMAIL,
    ChannelType.CHAT: SourceType.CHAT,
    ChannelType.MESSENGER: SourceType.FACEBOOK_MESSENGER,
}


class ChannelConnectionSnapshot(BaseModel):
    """A connected (or, once disconnected, formerly connected) channel as it is now."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(description="unique within the account")
    type: ChannelType
    address: str = Field(
        description="as HubSpot shows it: the inbox's email address, the chat widget's name, "
        "the Facebook page's name"
    )
    pipeline_id: str = Field(description="the pipeline new tickets from this channel go to")
    create_tickets: bool = Field(
        default=True, description="whether a new conversation creates a ticket"
    )
    connected: bool = Field(default=True, description="false once disconnected (a tombstone)")
    created_at: datetime
    updated_at: datetime


class ChannelConnectionEvent(Event):
    prefix = "channel_connection"

    revision: int = Field(ge=1, description="rises with every change of this connection")
    connection: ChannelConnectionSnapshot

    def aggregate_id(self) -> str | None:
        return self.connection.id


# The class names repeat the prefix so that the one naming rule (naming.py) strips it:
# `ChannelConnectionConnected` is `channel_connection.connected`.


class ChannelConnectionConnected(ChannelConnectionEvent):
    """A channel was connected (`channel_connection.connected`); revision 1."""


class ChannelConnectionUpdated(ChannelConnectionEvent):
    """Its target pipeline, ticket creation or name changed (`channel_connection.updated`)."""


class ChannelConnectionDisconnected(ChannelConnectionEvent):
    """The last snapshot, with `connected` false (`channel_connection.disconnected`); a replica
    keeps it as a tombstone."""
