"""The `notification.sent` contract: its name, the ticket's source as routing-key suffix, and
tolerant reading."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_contracts import (
    ActionKind,
    NotificationRecipient,
    NotificationRecipientKind,
    NotificationSent,
    SourceType,
    message_class,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_notification_is_routed_with_its_tickets_source_when_it_has_one() -> None:
    recipient = NotificationRecipient(kind=NotificationRecipientKind.USER, id="u1")
    plain = NotificationSent(
        delivery_id="d1",
        ticket_id="t1",
        kind=ActionKind.INTERNAL_NOTIFICATION,
        recipient=recipient,
        sent_at=NOW,
    )
    from_email = plain.model_copy(update={"source_type": SourceType.EMAIL})

    assert plain.routing_key() == "notification.sent"
    assert from_email.routing_key() == "notification.sent.email"
    assert message_class("notification.sent") is NotificationSent


def test_a_notification_reads_tolerantly_and_ignores_unknown_fields() -> None:
    event = NotificationSent.model_validate(
        {
            "delivery_id": "d1",
            "ticket_id": "t1",
            "kind": "customer_email",
            "recipient": {"kind": "contact", "address": "ada@example.test", "extra": True},
            "template": "ticket_received",
            "sent_at": NOW.isoformat(),
            "a_field_from_the_future": 1,
        }
    )

    assert event.kind is ActionKind.CUSTOMER_EMAIL
    assert event.recipient.address == "ada@example.test"
    assert (event.link, event.source_type) == (None, None)
