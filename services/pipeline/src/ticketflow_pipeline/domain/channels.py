"""Connected channels as the pipeline service shows them: a read-only replica of the channels
service's connections (revision-checked), the pure choice of a pipeline's channels, and the
rule that a pipeline a connected channel targets is not deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_pipeline.domain.errors import PipelineInUse


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


def require_no_connected_channels(
    pipeline_id: str, connections: Iterable[ChannelConnectionSnapshot]
) -> None:
    """Refuse (CONFLICT) the deletion of a pipeline that connected channels send their new
    tickets to, naming each (HubSpot refuses to delete what is still in use); disconnected
    ones do not count."""
    targeting = channels_of(pipeline_id, connections)
    if not targeting:
        return
    details = [
        ErrorDetail(
            f"{c.type.value} channel {c.address!r} (connection {c.id!r}) sends its new "
            f"tickets to pipeline {pipeline_id!r}",
            "pipelineId",
            "connected_channel",
        )
        for c in targeting
    ]
    named = ", ".join(f"{c.type.value} {c.address!r} ({c.id!r})" for c in targeting)
    raise PipelineInUse(
        f"pipeline {pipeline_id!r} is the target of connected channels: {named}; point them "
        "at another pipeline or disconnect them first",
        details,
    )
