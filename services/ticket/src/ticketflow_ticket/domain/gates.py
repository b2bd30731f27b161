"""Pipeline gates: which statuses of a pipeline still let tickets in, and what closing them
for the retirement saga decides. Every path that puts a ticket into a status passes (and
writes) the gate in its transaction, so a closing cannot commit beside it unnoticed."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import CloseStatuses, StatusesClosed, StatusesCloseRefused
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.errors import InvalidTicket

CLOSED_TO_TICKETS = "closed_to_tickets"


@dataclass(frozen=True)
class Closing:
    """What a `ticket.close_statuses` decided: the answer to record and, when the statuses
    hold tickets and a target was named, the status to move those tickets to first."""

    answer: StatusesClosed | StatusesCloseRefused
    move_to_status_id: str | None = None

    @property
    def refused(self) -> bool:
        return isinstance(self.answer, StatusesCloseRefused)


@dataclass
class PipelineGate:
    """The statuses of one pipeline closed to tickets (or the whole pipeline). A gate that
    was never written is open. Closed stays closed: the pipeline service removes what the
    ticket service confirmed closed, so nothing ever reopens.

    `admissions` counts tickets let into a status (created or moved there); raising it is
    what makes each of them write the gate, so that a concurrent closing and admission
    cannot both commit: one of them conflicts, or waits, and then sees the other."""

    account_id: str
    pipeline_id: str
    closed_status_ids: frozenset[str] = frozenset()
    pipeline_closed: bool = False
    admissions: int = 0
    version: int | None = None

    def admits(self, status_id: str) -> bool:
        return not self.pipeline_closed and status_id not in self.closed_status_ids

    def require_open(self, status_id: str | None = None) -> None:
        """Raises InvalidTicket naming hs_pipeline (or hs_pipeline_stage) when closed."""
        if self.pipeline_closed:
            message = (
                f"pipeline {self.pipeline_id!r} is deleted or being deleted; it takes no tickets"
            )
            raise InvalidTicket([ErrorDetail(message, "hs_pipeline", CLOSED_TO_TICKETS)])
        if status_id is not None and status_id in self.closed_status_ids:
            message = (
                f"status {status_id!r} of pipeline {self.pipeline_id!r} is deleted or being "
                "deleted; it takes no tickets"
            )
            raise InvalidTicket([ErrorDetail(message, "hs_pipeline_stage", CLOSED_TO_TICKETS)])

    def admit(self, status_id: str) -> None:
        """Let one ticket into `status_id` (refused when it is closed); the caller saves the
        gate in the same transaction as the ticket."""
        self.require_open(status_id)
        self.admissions += 1

    def close(self, command: CloseStatuses, ticket_count: int) -> Closing:
        """Close the command's statuses (the pipeline when `whole_pipeline`), which hold
        `ticket_count` live tickets. Refused, leaving the gate as it was, when they hold
        tickets and no open status outside them was named to move the tickets to."""
        target = command.move_to_status_id
        if ticket_count and (target is None or not self._can_receive(target, command)):
            return Closing(
                StatusesCloseRefused(
                    retirement_id=command.retirement_id,
                    pipeline_id=command.pipeline_id,
                    status_ids=list(command.status_ids),
                    ticket_count=ticket_count,
                )
            )
        self.closed_status_ids |= frozenset(command.status_ids)
        self.pipeline_closed = self.pipeline_closed or command.whole_pipeline
        closed = StatusesClosed(
            retirement_id=command.retirement_id,
            pipeline_id=command.pipeline_id,
            status_ids=list(command.status_ids),
            moved_ticket_count=ticket_count,
        )
        return Closing(closed, target if ticket_count else None)

    def _can_receive(self, target: str, command: CloseStatuses) -> bool:
        return (
            not command.whole_pipeline and target not in command.status_ids and self.admits(target)
        )
