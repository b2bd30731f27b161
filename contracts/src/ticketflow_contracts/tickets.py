"""Ticket events, published by the ticket service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ticketflow_contracts.messages import Event
from ticketflow_contracts.sources import SourceType


class TicketEvent(Event):
    prefix = "ticket"

    ticket_id: str
    source_type: SourceType | None = None

    def source_channel(self) -> str | None:
        return self.source_type.channel if self.source_type else None


class TicketCreated(TicketEvent):
    pipeline_id: str
    status_id: str
    subject: str | None = None
    owner_id: str | None = None
    properties: dict[str, str | None] = Field(default_factory=dict)
    created_at: datetime
    created_by: str | None = Field(default=None, description="user id, or None for automation")
