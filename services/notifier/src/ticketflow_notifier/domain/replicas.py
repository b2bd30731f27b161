"""What the notifier keeps of tickets (from ticket events) to address and fill its messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketflow_contracts import TicketCreated


@dataclass(frozen=True)
class TicketRecord:
    ticket_id: str
    account_id: str
    pipeline_id: str
    status_id: str
    subject: str | None
    owner_id: str | None
    source_type: str | None
    created_at: datetime
    recorded_at: datetime

    @classmethod
    def from_created(cls, account_id: str, event: TicketCreated, now: datetime) -> TicketRecord:
        return cls(
            ticket_id=event.ticket_id,
            account_id=account_id,
            pipeline_id=event.pipeline_id,
            status_id=event.status_id,
            subject=event.subject,
            owner_id=event.owner_id,
            source_type=event.source_type.value if event.source_type else None,
            created_at=event.created_at,
            recorded_at=now,
        )
