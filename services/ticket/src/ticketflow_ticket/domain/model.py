"""Ticket aggregate: created into a status of a live pipeline that its gate keeps open;
records its events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import Event, SourceType, TicketCreated
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.replicas import PipelineReplica

MAX_SUBJECT_LENGTH = 1000
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")


def parse_source(value: str | None) -> SourceType | None:
    if value is None:
        return None
    try:
        return SourceType(value)
    except ValueError:
        allowed = ", ".join(s.value for s in SourceType)
        raise InvalidTicket(
            [ErrorDetail(f"source_type {value!r} is not one of {allowed}", "source_type")]
        ) from None


@dataclass
class Ticket:
    id: str
    account_id: str
    pipeline_id: str
    status_id: str
    subject: str | None
    content: str | None
    priority: str | None
    owner_id: str | None
    source_type: SourceType | None
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @classmethod
    def create(
        cls,
        *,
        ticket_id: str,
        account_id: str,
        pipeline: PipelineReplica | None,
        gate: PipelineGate,
        pipeline_id: str,
        status_id: str | None,
        subject: str | None,
        content: str | None,
        priority: str | None,
        owner_id: str | None,
        source_type: str | None,
        created_by: str | None,
        now: datetime,
    ) -> Ticket:
        """`gate` is the pipeline's: the ticket is admitted through it (see gates.py)."""
        if pipeline is None or not pipeline.accepts_tickets:
            raise InvalidTicket(
                [ErrorDetail(f"pipeline {pipeline_id!r} does not exist", "hs_pipeline")]
            )
        gate.require_open()
        if status_id:
            status = pipeline.status(status_id)
            missing = f"status {status_id!r} is not a status of pipeline {pipeline_id!r}"
        else:
            status = pipeline.first_open_status(excluding=gate.closed_status_ids)
            missing = f"pipeline {pipeline_id!r} has no open status that takes tickets"
        if status is None:
            raise InvalidTicket([ErrorDetail(missing, "hs_pipeline_stage")])
        if subject is not None and len(subject) > MAX_SUBJECT_LENGTH:
            raise InvalidTicket(
                [ErrorDetail(f"subject is longer than {MAX_SUBJECT_LENGTH} characters", "subject")]
            )
        if priority is not None and priority not in PRIORITIES:
            raise InvalidTicket(
                [
                    ErrorDetail(
                        f"hs_ticket_priority {priority!r} is not one of {', '.join(PRIORITIES)}",
                        "hs_ticket_priority",
                    )
                ]
            )
        source = parse_source(source_type)
        gate.admit(status.id)
        ticket = cls(
            ticket_id,
            account_id,
            pipeline_id,
            status.id,
            subject,
            content,
            priority,
            owner_id,
            source,
            now,
            now,
        )
        ticket.events.append(
            TicketCreated(
                ticket_id=ticket_id,
                source_type=source,
                pipeline_id=pipeline_id,
                status_id=status.id,
                subject=subject,
                owner_id=owner_id,
                properties=ticket.properties(),
                created_at=now,
                created_by=created_by,
            )
        )
        return ticket

    def move_to(self, status_id: str, gate: PipelineGate, now: datetime) -> None:
        """Into another status of its pipeline, through the pipeline's `gate` (save both).
        No event yet: there is no `ticket.status_changed` contract so far."""
        gate.admit(status_id)
        self.status_id = status_id
        self.updated_at = now

    def properties(self) -> dict[str, str | None]:
        """HubSpot property names and values (strings, as HubSpot returns them)."""
        return {
            "subject": self.subject,
            "content": self.content,
            "hs_pipeline": self.pipeline_id,
            "hs_pipeline_stage": self.status_id,
            "hs_ticket_priority": self.priority,
            "hubspot_owner_id": self.owner_id,
            "source_type": self.source_type.value if self.source_type else None,
        }
