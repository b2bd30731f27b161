"""Conversation message contracts: names, source-suffixed routing keys, tolerant reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from ticketflow_contracts import (
    ChannelType,
    ConversationMessageFailed,
    ConversationMessageHeld,
    ConversationMessageReceived,
    ConversationMessageSent,
    HeldReason,
    MessageClassification,
    MessageDirection,
    SendMessage,
    SendOrigin,
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


def test_a_failed_and_a_held_message_are_routed_with_their_channel() -> None:
    failed = ConversationMessageFailed(
        message_id="m3", thread_id="th1", channel=ChannelType.EMAIL, error="550", failed_at=NOW
    )
    held = ConversationMessageHeld(
        message_id="m4", channel=ChannelType.EMAIL, reason=HeldReason.BOUNCE, received_at=NOW
    )

    assert failed.routing_key() == "conversation.message_failed.email"
    assert held.routing_key() == "conversation.message_held.email"


def test_send_message_is_a_command_to_channels_and_needs_a_body() -> None:
    command = SendMessage(conversation_id="c1", text="Hello", origin=SendOrigin.TICKET_RECORD)

    assert command.routing_key() == "channels.send_message"
    with pytest.raises(ValidationError, match="text or html"):
        SendMessage(conversation_id="c1", text="  ", origin=SendOrigin.AUTOMATION)


def test_a_received_message_without_the_later_fields_still_reads() -> None:
    first_shape = {
        "message_id": "m1",
        "thread_id": "th1",
        "channel": "email",
        "received_at": NOW.isoformat(),
        "thread_relation": "reply",
    }

    event = ConversationMessageReceived.model_validate(first_shape)

    assert (event.classification, event.matched_by, event.contact_id, event.text) == (
        None,
        None,
        None,
        "",
    )
    assert (
        ConversationMessageReceived(
            **first_shape, classification=MessageClassification.REPLY_TO_FORWARD
        ).classification
        is MessageClassification.REPLY_TO_FORWARD
    )
