"""Connected channels as the pipeline service shows them: a read-only replica of the channels
service's connections (revision-checked) and the pure choice of a pipeline's channels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType


@dataclass(frozen=True)
class ChannelConnectionReplica:
    """A connection at a revision, as the last applied event carried it."""

    account_id: str
    revision: int
    connection: ChannelConnectionSnapshot


@dataclass(frozen=True)
class ConnectedChannel:
    """One line of a pipeline's connected channels."""

    id: str
    type: ChannelType
    address: str
    create_tickets: bool
    connected: bool

    @classmethod
    def of(cls, connection: ChannelConnectionSnapshot) -> ConnectedChannel:
        return cls(
            connection.id,
            connection.type,
            connection.address,
            connection.create_tickets,
            connection.connected,
        )


def channels_of(
    pipeline_id: str, connections: Iterable[ChannelConnectionSnapshot]
) -> list[ConnectedChannel]:
    """The connected channels whose new tickets go to `pipeline_id`, oldest first."""
    chosen = [c for c in connections if c.connected and c.pipeline_id == pipeline_id]
    return [ConnectedChannel.of(c) for c in sorted(chosen, key=lambda c: (c.created_at, c.id))]
