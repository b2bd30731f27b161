"""The envelope, tolerant reading of payloads, and message type names and routing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from ticketflow_contracts import ALL_MESSAGES, Envelope, SourceType, TicketCreated
from ticketflow_contracts.naming import message_type_name

CREATED_AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def envelope_data(**overrides: Any) -> dict[str, Any]:
    return {
        "message_id": str(uuid4()),
        "type": "ticket.created",
        "version": 1,
        "occurred_at": "2025-01-02T03:04:05+00:00",
        "account_id": "acc-1",
        "correlation_id": str(uuid4()),
        "causation_id": None,
        "producer": "ticket",
        "payload": {"ticket_id": "t-1"},
        **overrides,
    }


def ticket_created(source_type: SourceType | None = None) -> TicketCreated:
    return TicketCreated(
        ticket_id="t-1",
        source_type=source_type,
        pipeline_id="default",
        status_id="1",
        created_at=CREATED_AT,
    )


def test_an_envelope_survives_a_json_round_trip() -> None:
    envelope = Envelope.model_validate(envelope_data(causation_id=str(uuid4())))
    assert Envelope.model_validate_json(envelope.model_dump_json()) == envelope


def test_an_envelope_ignores_unknown_fields() -> None:
    envelope = Envelope.model_validate(envelope_data(priority="high"))
    assert "priority" not in envelope.model_dump()


def test_an_envelope_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValidationError, match="occurred_at"):
        Envelope.model_validate(envelope_data(occurred_at="2025-01-02T03:04:05"))


def test_an_envelope_normalises_an_aware_datetime_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    envelope = Envelope.model_validate(
        envelope_data(occurred_at=datetime(2025, 1, 2, 4, 4, 5, tzinfo=paris))
    )
    assert envelope.occurred_at == CREATED_AT
    assert envelope.occurred_at.utcoffset() == timedelta(0)


def test_a_payload_ignores_unknown_fields() -> None:
    data = ticket_created().model_dump(mode="json") | {"priority": "high"}
    assert TicketCreated.model_validate(data) == ticket_created()


def test_a_ticket_created_without_source_routes_by_type_alone() -> None:
    assert TicketCreated.message_type() == "ticket.created"
    assert ticket_created().routing_key() == "ticket.created"


def test_a_ticket_created_from_chat_routes_with_the_chat_suffix() -> None:
    assert ticket_created(SourceType.CHAT).routing_key() == "ticket.created.chat"


def test_a_ticket_created_from_messenger_routes_with_the_messenger_suffix() -> None:
    assert ticket_created(SourceType.FACEBOOK_MESSENGER).routing_key() == "ticket.created.messenger"


def test_the_type_name_strips_the_prefix_from_the_class_name() -> None:
    assert message_type_name("TicketStatusChanged", "ticket") == "ticket.status_changed"


def test_every_message_has_a_distinct_type() -> None:
    types = [cls.message_type() for cls in ALL_MESSAGES]
    assert len(types) == len(set(types)), sorted(types)
