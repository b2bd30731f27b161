"""Pipeline events: each carries the full pipeline snapshot with a rising `revision`.

A replica applies a snapshot only when its revision is newer than the one it
holds, so the order and duplication of these events do not matter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event


class TicketState(StrEnum):
    """HubSpot's stage `metadata.ticketState`."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class StatusSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    label: str
    display_order: int
    ticket_state: TicketState
    archived: bool = False
    created_at: datetime
    updated_at: datetime


class PipelineSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(description="unique within the account; the first pipeline is `default`")
    label: str
    display_order: int
    archived: bool = False
    statuses: list[StatusSnapshot]
    created_at: datetime
    updated_at: datetime


class PipelineSnapshotEvent(Event):
    prefix = "pipeline"

    revision: int = Field(ge=1, description="rises with every change of this pipeline")
    pipeline: PipelineSnapshot


class PipelineCreated(PipelineSnapshotEvent):
    pass


class PipelineUpdated(PipelineSnapshotEvent):
    pass


class PipelineDeleted(PipelineSnapshotEvent):
    """The last snapshot, with `archived` true; a replica keeps it as a tombstone."""
