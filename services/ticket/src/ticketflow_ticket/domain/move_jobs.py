"""The bulk-move job: a validated move walked status by status, one batch of tickets at a
time. Each batch advances the job's cursor in the transaction that moves its tickets, so a
job resumes after a crash from its last committed batch and never moves a ticket twice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.moves import MovePlan, MoveRequest, move_batch
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.search_match import matches

# A job keeps the first errors only: 100,000 refusals would not fit in one document.
MAX_ERRORS = 100
# The actor of the moves in `ticket.status_changed`: automation, named after the job.
ACTOR_PREFIX = "bulk-move:"
_KEYED_JOBS = uuid.UUID("6b0c7c8e-3f1d-4a57-9a39-7d5f0d3b9c21")


class JobState(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


ACTIVE = (JobState.PENDING, JobState.RUNNING)


def job_id_for(account_id: str, user_id: str, idempotency_key: str | None, fresh: uuid.UUID) -> str:
    """The job's id: derived from the user's Idempotency-Key when one is given (so a repeated
    request finds the job it started; keys are the user's own, as an API key's are in
    Stripe's design), else `fresh`."""
    if idempotency_key is None:
        return str(fresh)
    return str(uuid.uuid5(_KEYED_JOBS, f"{account_id}\n{user_id}\n{idempotency_key}"))


@dataclass(frozen=True)
class JobError:
    ticket_id: str | None
    message: str
    code: str | None = None


@dataclass
class MoveSourceGuard:
    """Written (at the version it was read) by every start of a move out of the pipeline.
    A start checks the pipeline's active moves, then writes a job of its own: on MongoDB's
    snapshot isolation two overlapping starts could both pass on reads that miss each other.
    Both writing this one document, one of them conflicts, and runs again on a read that sees
    the other's job. A guard that was never written is at zero."""

    account_id: str
    pipeline_id: str
    starts: int = 0
    version: int | None = None

    def record_start(self) -> None:
        self.starts += 1


@dataclass
class MoveJob:
    id: str
    account_id: str
    requested_by: str
    request: MoveRequest
    plan: MovePlan
    correlation_id: str
    created_at: datetime
    updated_at: datetime
    total: int
    state: JobState = JobState.PENDING
    moved: int = 0
    failed: int = 0
    # Tickets the walk read that the request's filter left where they are.
    skipped: int = 0
    errors: list[JobError] = field(default_factory=list)
    # The cursor: the plan's source status being walked, and the last ticket id read in it.
    position: int = 0
    after: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # Batches that failed in a row for an unexpected reason (the store, a bug).
    attempts: int = 0
    version: int | None = None

    @classmethod
    def create(
        cls,
        *,
        job_id: str,
        account_id: str,
        requester: Requester,
        request: MoveRequest,
        plan: MovePlan,
        total: int,
        correlation_id: str,
        now: datetime,
    ) -> MoveJob:
        """`total` is how many live tickets the plan's source statuses hold now, the
        request's filter not applied (counting its matches would read every ticket)."""
        return cls(
            id=job_id,
            account_id=account_id,
            requested_by=requester.user_id,
            request=request,
            plan=plan,
            correlation_id=correlation_id,
            created_at=now,
            updated_at=now,
            total=total,
        )

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def current_status_id(self) -> str | None:
        """The source status the next batch reads; None when the walk is over."""
        statuses = self.plan.source_status_ids
        return statuses[self.position] if self.position < len(statuses) else None

    @property
    def actor(self) -> Requester:
        return Requester.automation(f"{ACTOR_PREFIX}{self.id}")

    def run_batch(
        self,
        tickets: Sequence[Ticket],
        *,
        pipeline: PipelineReplica | None,
        gate: PipelineGate,
        next_after: str | None,
        now: datetime,
    ) -> list[Ticket]:
        """Move one page of the current source status (`next_after` is the cursor past it,
        None when it was the last page) and advance; returns the tickets to save with the
        job and the gate. A ticket that cannot move (its target status closed meanwhile,
        say) stays, counted as failed, and the cursor passes it; so does one that the
        request's filter does not match, counted as skipped."""
        if not self.active:
            raise ValueError(f"move {self.id} is {self.state}: it runs no more batches")
        if self.state is JobState.PENDING:
            self.state, self.started_at = JobState.RUNNING, now
        groups = self.request.filter_groups
        chosen = list(tickets) if groups is None else [t for t in tickets if matches(t, groups)]
        self.skipped += len(tickets) - len(chosen)
        result = move_batch(
            chosen,
            pipeline=pipeline,
            gate=gate,
            targets=self.plan.targets,
            actor=self.actor,
            now=now,
        )
        self.moved += len(result.moved)
        self.failed += len(result.refused)
        room = MAX_ERRORS - len(self.errors)
        self.errors += [JobError(r.ticket_id, r.message, r.code) for r in result.refused[:room]]
        if next_after is None:
            self.position, self.after = self.position + 1, None
        else:
            self.after = next_after
        if self.current_status_id is None:
            self.state, self.completed_at = JobState.COMPLETED, now
            self.total = max(self.total, self.moved + self.failed + self.skipped)
        self.attempts, self.updated_at = 0, now
        return result.moved

    def batch_failed(self, message: str, max_attempts: int, now: datetime) -> None:
        """A batch that failed unexpectedly was rolled back; after `max_attempts` in a row
        the job gives up (FAILED) with the reason, else it is tried again later."""
        self.attempts += 1
        self.updated_at = now
        if self.attempts >= max_attempts:
            self.state, self.completed_at = JobState.FAILED, now
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(JobError(None, message, "JOB_FAILED"))
