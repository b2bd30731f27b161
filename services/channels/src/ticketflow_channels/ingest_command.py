"""The channels service's own command between its intake and its ingestion workers. A message
class (pydantic, the contracts' base), so it lives beside the domain, not in it."""

from __future__ import annotations

from pydantic import Field

from ticketflow_contracts import Command


class IngestEmail(Command):
    """Ingest the raw email of an intake (`channels.ingest_email`): internal to channels,
    sent by intake, consumed by the ingestion workers."""

    prefix = "channels"

    intake_id: str = Field(min_length=1)

    def aggregate_id(self) -> str | None:
        return self.intake_id
