"""The Idempotency-Key's derived ids and record: deterministic, per user and input, and a
different request under the same key refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_ticket.domain.errors import IdempotencyKeyReused
from ticketflow_ticket.domain.idempotency import (
    KeyRecord,
    key_record_id,
    keyed_ticket_id,
    request_fingerprint,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_keyed_ticket_id_is_numeric_and_fixed_by_account_user_key_and_index() -> None:
    first = keyed_ticket_id("a1", "u1", "k", 0)

    assert first.isdigit()
    assert int(first) < 2**48
    assert keyed_ticket_id("a1", "u1", "k", 0) == first
    others = {
        keyed_ticket_id("a2", "u1", "k", 0),
        keyed_ticket_id("a1", "u2", "k", 0),
        keyed_ticket_id("a1", "u1", "k2", 0),
        keyed_ticket_id("a1", "u1", "k", 1),
    }
    assert first not in others
    assert len(others) == 4


def test_the_fingerprint_tells_operations_and_inputs_apart_but_not_key_order() -> None:
    one = request_fingerprint("create", [{"subject": "a", "content": "b"}])

    assert request_fingerprint("create", [{"content": "b", "subject": "a"}]) == one
    assert request_fingerprint("batch_create", [{"subject": "a", "content": "b"}]) != one
    assert request_fingerprint("create", [{"subject": "a", "content": None}]) != one


def test_a_record_answers_the_tickets_it_created_and_refuses_another_request() -> None:
    fingerprint = request_fingerprint("batch_create", [{"subject": "a"}, {"subject": "b"}])
    record = KeyRecord.open("a1", "u1", "k", fingerprint, NOW)
    record.record(0, "17")

    assert record.id == key_record_id("a1", "u1", "k")
    assert record.created_for(fingerprint, 0) == "17"
    assert record.created_for(fingerprint, 1) is None
    with pytest.raises(IdempotencyKeyReused):
        record.created_for(request_fingerprint("create", [{"subject": "a"}]), 0)
