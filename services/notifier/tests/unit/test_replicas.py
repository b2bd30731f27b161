"""What the notifier keeps of a created ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow_contracts import SourceType, TicketCreated
from ticketflow_notifier.domain.replicas import TicketRecord

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_record_keeps_the_ticket_facts_and_when_it_was_recorded() -> None:
    event = TicketCreated(
        ticket_id="t1",
        source_type=SourceType.EMAIL,
        pipeline_id="default",
        status_id="1",
        subject="Hello",
        created_at=NOW,
    )
    record = TicketRecord.from_created("a1", event, NOW + timedelta(seconds=1))

    assert (record.account_id, record.ticket_id, record.source_type) == ("a1", "t1", "EMAIL")
    assert record.recorded_at - record.created_at == timedelta(seconds=1)
