"""Choosing a pipeline's connected channels from the replica of connections, and refusing to
delete a pipeline they target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType
from ticketflow_contracts.errors import ErrorCategory
from ticketflow_pipeline.domain.channels import (
    ConnectedChannel,
    channels_of,
    require_no_connected_channels,
)
from ticketflow_pipeline.domain.errors import PipelineInUse

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


def test_a_pipeline_that_connected_channels_target_is_not_deleted() -> None:
    with pytest.raises(PipelineInUse) as refused:
        require_no_connected_channels(
            "billing",
            [
                connection("late", "billing", minutes=5),
                connection("early", "billing", channel_type=ChannelType.CHAT),
                connection("gone", "billing", connected=False),
                connection("default"),
            ],
        )

    assert refused.value.category is ErrorCategory.CONFLICT
    assert "chat 'early@acme.test' ('early'), email 'late@acme.test' ('late')" in str(refused.value)
    assert [e.message.split(" sends")[0] for e in refused.value.errors] == [
        "chat channel 'early@acme.test' (connection 'early')",
        "email channel 'late@acme.test' (connection 'late')",
    ]


def test_disconnected_channels_and_other_pipelines_channels_do_not_stop_a_deletion() -> None:
    require_no_connected_channels(
        "billing", [connection("gone", "billing", connected=False), connection("default")]
    )
