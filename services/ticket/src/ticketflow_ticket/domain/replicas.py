"""Other services' facts this service keeps: pipeline snapshots, applied by revision."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import PipelineSnapshot, StatusSnapshot


@dataclass(frozen=True)
class PipelineReplica:
    account_id: str
    revision: int
    pipeline: PipelineSnapshot

    def supersedes(self, current: PipelineReplica | None) -> bool:
        """Apply a snapshot only when newer: order and duplicates of events do not matter."""
        return current is None or self.revision > current.revision

    @property
    def accepts_tickets(self) -> bool:
        return not self.pipeline.archived

    def status(self, status_id: str) -> StatusSnapshot | None:
        return next(
            (s for s in self.pipeline.statuses if s.id == status_id and not s.archived), None
        )

    def ordered_statuses(self) -> list[StatusSnapshot]:
        """The live statuses by display order (then id, so that ties order the same way)."""
        live = [s for s in self.pipeline.statuses if not s.archived]
        return sorted(live, key=lambda s: (s.display_order, s.id))

    def first_open_status(self, excluding: frozenset[str] = frozenset()) -> StatusSnapshot | None:
        """The first Open status by display order, leaving out the ids in `excluding`."""
        open_statuses = [
            s
            for s in self.pipeline.statuses
            if s.ticket_state == "OPEN" and not s.archived and s.id not in excluding
        ]
        return min(open_statuses, key=lambda s: s.display_order, default=None)
