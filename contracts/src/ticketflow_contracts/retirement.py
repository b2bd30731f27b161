"""The small saga that removes statuses or a whole pipeline without stranding a ticket.

The pipeline service sends `ticket.close_statuses`; the ticket service closes those
statuses to tickets (no new ticket, no move into them), then either moves their tickets
to `move_to_status_id` and answers `ticket.statuses_closed`, or, when tickets are there
and no target was named, reopens them and answers `ticket.statuses_close_refused`.
"""

from __future__ import annotations

from pydantic import Field

from ticketflow_contracts.messages import Command, Event


class CloseStatuses(Command):
    prefix = "ticket"

    retirement_id: str
    pipeline_id: str
    status_ids: list[str] = Field(min_length=1)
    whole_pipeline: bool = False
    move_to_status_id: str | None = None

    def aggregate_id(self) -> str | None:
        return self.retirement_id


class StatusesClosed(Event):
    prefix = "ticket"

    retirement_id: str
    pipeline_id: str
    status_ids: list[str]
    moved_ticket_count: int = 0

    def aggregate_id(self) -> str | None:
        return self.retirement_id


class StatusesCloseRefused(Event):
    prefix = "ticket"

    retirement_id: str
    pipeline_id: str
    status_ids: list[str]
    ticket_count: int

    def aggregate_id(self) -> str | None:
        return self.retirement_id
