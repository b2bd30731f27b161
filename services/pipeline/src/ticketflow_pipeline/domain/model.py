"""Pipeline aggregate: a pipeline and its statuses; every change raises its revision
and records the snapshot event that replicas apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import (
    Event,
    PipelineCreated,
    PipelineSnapshot,
    StatusSnapshot,
    TicketState,
)

DEFAULT_PIPELINE_ID = "default"

# HubSpot's default ticket pipeline: stage ids 1-4, three open statuses and one closed.
_DEFAULT_STATUSES = (
    ("1", "New", TicketState.OPEN),
    ("2", "Waiting on contact", TicketState.OPEN),
    ("3", "Waiting on us", TicketState.OPEN),
    ("4", "Closed", TicketState.CLOSED),
)


@dataclass(frozen=True)
class Status:
    id: str
    label: str
    display_order: int
    ticket_state: TicketState
    created_at: datetime
    updated_at: datetime


@dataclass
class Pipeline:
    account_id: str
    id: str
    label: str
    display_order: int
    statuses: list[Status]
    created_at: datetime
    updated_at: datetime
    revision: int = 0
    archived: bool = False
    events: list[Event] = field(default_factory=list, compare=False)

    @classmethod
    def default_support_pipeline(cls, account_id: str, now: datetime) -> Pipeline:
        statuses = [
            Status(status_id, label, order, state, now, now)
            for order, (status_id, label, state) in enumerate(_DEFAULT_STATUSES)
        ]
        pipeline = cls(account_id, DEFAULT_PIPELINE_ID, "Support pipeline", 0, statuses, now, now)
        pipeline.revision = 1
        pipeline.events.append(PipelineCreated(revision=1, pipeline=pipeline.snapshot()))
        return pipeline

    def snapshot(self) -> PipelineSnapshot:
        return PipelineSnapshot(
            id=self.id,
            label=self.label,
            display_order=self.display_order,
            archived=self.archived,
            created_at=self.created_at,
            updated_at=self.updated_at,
            statuses=[
                StatusSnapshot(
                    id=s.id,
                    label=s.label,
                    display_order=s.display_order,
                    ticket_state=s.ticket_state,
                    created_at=s.created_at,
                    updated_at=s.updated_at,
                )
                for s in sorted(self.statuses, key=lambda s: s.display_order)
            ],
        )
