"""Channel connection contracts: their type names, routing keys and sources."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
    SourceType,
    message_class,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (ChannelConnectionConnected, "channel_connection.connected"),
        (ChannelConnectionUpdated, "channel_connection.updated"),
        (ChannelConnectionDisconnected, "channel_connection.disconnected"),
    ],
)
def test_each_connection_event_is_named_and_routed_under_channel_connection(
    cls: type[ChannelConnectionConnected], name: str
) -> None:
    snapshot = ChannelConnectionSnapshot(
        id="1",
        type=ChannelType.CHAT,
        address="Website",
        pipeline_id="default",
        created_at=NOW,
        updated_at=NOW,
    )
    event = cls(revision=1, connection=snapshot)

    assert cls.message_type() == name
    assert event.routing_key() == name
    assert message_class(name) is cls


def test_each_channel_type_names_its_source_type_whose_channel_is_the_same_word() -> None:
    assert {t: t.source_type for t in ChannelType} == {
        ChannelType.EMAIL: SourceType.EMAIL,
        ChannelType.CHAT: SourceType.CHAT,
        ChannelType.MESSENGER: SourceType.FACEBOOK_MESSENGER,
    }
    assert all(t.source_type.channel == t.value for t in ChannelType)


def test_a_snapshot_is_connected_and_creates_tickets_unless_told_otherwise() -> None:
    snapshot = ChannelConnectionSnapshot.model_validate(
        {
            "id": "1",
            "type": "email",
            "address": "help@acme.test",
            "pipeline_id": "default",
            "created_at": NOW.isoformat(),
            "updated_at": NOW.isoformat(),
            "a_field_from_the_future": 1,
        }
    )
    assert (snapshot.connected, snapshot.create_tickets) == (True, True)
