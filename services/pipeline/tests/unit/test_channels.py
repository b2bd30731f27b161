"""Choosing a pipeline's connected channels from the replica of connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType
from ticketflow_pipeline.domain.channels import ConnectedChannel, channels_of

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def connection(
    connection_id: str,
    pipeline_id: str = "default",
    *,
    connected: bool = True,
    minutes: int = 0,
    channel_type: ChannelType = ChannelType.EMAIL,
) -> ChannelConnectionSnapshot:
    at = NOW + timedelta(minutes=minutes)
    return ChannelConnectionSnapshot(
        id=connection_id,
        type=channel_type,
        address=f"{connection_id}@acme.test",
        pipeline_id=pipeline_id,
        create_tickets=connection_id != "quiet",
        connected=connected,
        created_at=at,
        updated_at=at,
    )


def test_only_connected_channels_targeting_the_pipeline_are_listed_oldest_first() -> None:
    found = channels_of(
        "default",
        [
            connection("late", minutes=5),
            connection("billing", "billing"),
            connection("gone", connected=False),
            connection("early", minutes=-5),
            connection("quiet", channel_type=ChannelType.CHAT),
        ],
    )

    assert [c.id for c in found] == ["early", "quiet", "late"]
    assert found[1] == ConnectedChannel(
        "quiet", ChannelType.CHAT, "quiet@acme.test", create_tickets=False, connected=True
    )


def test_a_pipeline_without_channels_lists_none() -> None:
    assert channels_of("default", [connection("billing", "billing")]) == []
