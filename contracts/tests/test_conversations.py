"""Conversation message contracts: names, source-suffixed routing keys, tolerant reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import (
    ChannelType,
    ConversationMessageReceived,
    ConversationMessageSent,
    MessageDirection,
    ThreadRelation,
    message_class,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        (ChannelType.EMAIL, "conversation.message_received.email"),
        (ChannelType.CHAT, "conversation.message_received.chat"),
        (ChannelType.MESSENGER, "conversation.message_received.messenger"),
    ],
)
def test_a_received_message_is_routed_with_its_channel_appended(
    channel: ChannelType, key: str
) -> None:
    event = ConversationMessageReceived(
        message_id="m1", thread_id="th1", channel=channel, received_at=NOW
    )

    assert event.routing_key() == key
    assert message_class("conversation.message_received") is ConversationMessageReceived


def test_a_sent_message_is_outgoing_and_not_from_the_ticket_unless_marked() -> None:
    event = ConversationMessageSent(
        message_id="m2", thread_id="th1", channel=ChannelType.EMAIL, sent_at=NOW
    )

    assert event.routing_key() == "conversation.message_sent.email"
    assert (event.direction, event.sent_from_ticket, event.ticket_id) == (
        MessageDirection.OUTGOING,
        False,
        None,
    )
    assert message_class("conversation.message_sent") is ConversationMessageSent


def test_a_received_message_reads_tolerantly_with_only_the_required_fields() -> None:
    event = ConversationMessageReceived.model_validate(
        {
            "message_id": "m1",
            "thread_id": "th1",
            "channel": "chat",
            "received_at": NOW.isoformat(),
            "a_field_from_the_future": {"x": 1},
        }
    )

    assert event.direction is MessageDirection.INCOMING
    assert event.thread_relation is ThreadRelation.OTHER
    assert (event.excerpt, event.attachment_count, event.recipients) == ("", 0, [])
