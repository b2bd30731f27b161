"""What the notifier keeps of others' facts: tickets (from ticket events) to address and
fill its messages, pipelines (from pipeline snapshots) for the actions of each status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketflow_contracts import PipelineSnapshot, StatusAction, TicketCreated


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


@dataclass(frozen=True)
class PipelineReplica:
    """A pipeline as the notifier needs it: the statuses' actions run when tickets arrive."""

    account_id: str
    revision: int
    pipeline: PipelineSnapshot

    def actions_on_entering(self, status_id: str) -> list[StatusAction]:
        for status in self.pipeline.statuses:
            if status.id == status_id:
                return list(status.actions)
        return []
