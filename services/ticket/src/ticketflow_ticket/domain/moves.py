"""Bulk moves: which tickets a move takes where (a status mapping checked against both
pipelines, their access and the target's gate), and moving one batch of tickets through the
gate. The job that walks a move batch by batch lives in move_jobs.py.

TicketError
├── InvalidMove          VALIDATION_ERROR (one ErrorDetail per bad field of the request)
├── MoveNotAllowed       MISSING_SCOPES (view-only access to one of the two pipelines)
├── MoveNotFound         OBJECT_NOT_FOUND
├── MoveInProgress       CONFLICT (another running job moves the same tickets)
└── IdempotencyKeyReused UNPROCESSABLE (the key came with another request before)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ticketflow_contracts import AccessLevel
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import TicketError
from ticketflow_ticket.domain.gates import CLOSED_TO_TICKETS, PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.search import FilterGroups, InvalidSearch, parse_filter_groups

FROM_PIPELINE, FROM_STATUS, TO_PIPELINE = "from.pipelineId", "from.statusId", "to.pipelineId"
MAPPING, DEFAULT_STATUS, FILTER = "statusMapping", "defaultStatusId", "filter"
UNKNOWN_PIPELINE, NOT_A_STATUS = "UNKNOWN_PIPELINE", "NOT_A_STATUS"
SAME_STATUS, CHAINED_STATUS, UNMAPPED_STATUS = "SAME_STATUS", "CHAINED_STATUS", "UNMAPPED_STATUS"
NOT_MOVED, NOTHING_TO_MOVE = "NOT_MOVED", "NOTHING_TO_MOVE"


class InvalidMove(TicketError):
    def __init__(self, problems: list[ErrorDetail]):
        summary = "; ".join(p.message for p in problems)
        super().__init__(
            f"the move is not valid: {summary}", ErrorCategory.VALIDATION_ERROR, problems
        )


class MoveNotAllowed(TicketError):
    def __init__(self, pipeline_id: str, field_name: str):
        message = (
            f"you may view the tickets of pipeline {pipeline_id!r} but not move them; moving "
            "tickets needs edit access to both pipelines"
        )
        super().__init__(
            message, ErrorCategory.MISSING_SCOPES, [ErrorDetail(message, field_name, "READ_ONLY")]
        )


class MoveNotFound(TicketError):
    def __init__(self, job_id: str):
        super().__init__(f"move {job_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class MoveInProgress(TicketError):
    def __init__(self, job_id: str, pipeline_id: str):
        message = (
            f"move {job_id!r} is still moving tickets of pipeline {pipeline_id!r}; wait for it "
            "to complete, then start this one"
        )
        super().__init__(message, ErrorCategory.CONFLICT, [ErrorDetail(message, FROM_PIPELINE)])


class IdempotencyKeyReused(TicketError):
    def __init__(self, job_id: str):
        message = (
            f"this Idempotency-Key started move {job_id!r} with another request; use a new key "
            "for a new move"
        )
        super().__init__(
            message, ErrorCategory.UNPROCESSABLE, [ErrorDetail(message, "Idempotency-Key")]
        )


@dataclass(frozen=True)
class MoveRequest:
    """Move the live tickets of a pipeline (of one of its statuses, with `from_status_id`) to
    `to_pipeline_id`: each source status to its mapped status, unmapped ones to the default.
    `filter_groups` (a search's, see parse_move_filter) narrows which of them move."""

    from_pipeline_id: str
    to_pipeline_id: str
    from_status_id: str | None = None
    status_mapping: Mapping[str, str] = field(default_factory=dict)
    default_status_id: str | None = None
    filter_groups: FilterGroups | None = None

    def fingerprint(self) -> str:
        """Equal for equal requests (an idempotent retry), whatever the mapping's order."""
        mapping = ",".join(f"{k}>{v}" for k, v in sorted(self.status_mapping.items()))
        parts = (self.from_pipeline_id, self.from_status_id, self.to_pipeline_id, mapping)
        filtered = (
            None
            if self.filter_groups is None
            else [[(c.property, c.operator.value, c.values) for c in g] for g in self.filter_groups]
        )
        return "|".join(str(p) for p in (*parts, self.default_status_id, filtered))

    def overlaps(self, other: MoveRequest) -> bool:
        """Whether both would move some of the same tickets."""
        if self.from_pipeline_id != other.from_pipeline_id:
            return False
        mine, theirs = self.from_status_id, other.from_status_id
        return mine is None or theirs is None or mine == theirs


def parse_move_filter(raw: Any) -> FilterGroups | None:
    """A move's `filter`: `{"filterGroups": [...]}` as in HubSpot's search body, checked as a
    search's (the same properties and operators); problems are named under `filter.`. Any
    combination is taken, unlike search: the job applies it in memory (search_match.py)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidMove([_problem("must be an object with filterGroups", FILTER, None)])
    extra = [
        _problem("a move's filter takes filterGroups only", f"{FILTER}.{key}", None)
        for key in raw
        if key != "filterGroups"
    ]
    if extra:
        raise InvalidMove(extra)
    try:
        return parse_filter_groups(raw.get("filterGroups"))
    except InvalidSearch as invalid:
        raise InvalidMove(
            [ErrorDetail(p.message, f"{FILTER}.{p.field}", p.code) for p in invalid.errors]
        ) from invalid


@dataclass(frozen=True)
class MovePlan:
    """The source statuses to walk, in display order, and the target status of each."""

    targets: Mapping[str, str]

    @property
    def source_status_ids(self) -> tuple[str, ...]:
        return tuple(self.targets)


def _problem(message: str, field_name: str, code: str | None) -> ErrorDetail:
    return ErrorDetail(message, field_name, code)


def _visible(pipeline: PipelineReplica | None, requester: Requester) -> PipelineReplica | None:
    """A pipeline the requester may not see, or a deleted one, does not exist for them."""
    if pipeline is None or not pipeline.accepts_tickets or not access.may_view(pipeline, requester):
        return None
    return pipeline


def plan_move(
    request: MoveRequest,
    *,
    source: PipelineReplica | None,
    target: PipelineReplica | None,
    target_gate: PipelineGate,
    counts: Mapping[str, int],
    requester: Requester,
) -> MovePlan:
    """Check `request` against both pipelines (`counts`: live tickets per source status) and
    the target's gate; every problem of the request is reported at once."""
    source, target = _visible(source, requester), _visible(target, requester)
    missing = [
        _problem(f"pipeline {pipeline_id!r} does not exist", field_name, UNKNOWN_PIPELINE)
        for pipeline, pipeline_id, field_name in (
            (source, request.from_pipeline_id, FROM_PIPELINE),
            (target, request.to_pipeline_id, TO_PIPELINE),
        )
        if pipeline is None
    ]
    if missing or source is None or target is None:
        raise InvalidMove(missing)
    for pipeline, field_name in ((source, FROM_PIPELINE), (target, TO_PIPELINE)):
        if access.level(pipeline, requester) is not AccessLevel.EDIT:
            raise MoveNotAllowed(pipeline.pipeline.id, field_name)
    if target_gate.pipeline_closed:
        message = f"pipeline {request.to_pipeline_id!r} is being deleted; it takes no tickets"
        raise InvalidMove([_problem(message, TO_PIPELINE, CLOSED_TO_TICKETS)])
    problems: list[ErrorDetail] = []
    walked = _walked_statuses(request, source, problems)
    targets = _targets(request, walked, counts, problems)
    problems += _target_problems(request, target, target_gate, targets)
    if not problems and not targets:
        message = "nothing to move: map a status of the source pipeline or give defaultStatusId"
        problems.append(_problem(message, MAPPING, NOTHING_TO_MOVE))
    if problems:
        raise InvalidMove(problems)
    return MovePlan(targets)


def _walked_statuses(
    request: MoveRequest, source: PipelineReplica, problems: list[ErrorDetail]
) -> list[str]:
    """The source statuses the move may take tickets from, in display order."""
    ordered = [s.id for s in source.ordered_statuses()]
    pipeline_id = request.from_pipeline_id
    if request.from_status_id is not None and request.from_status_id not in ordered:
        message = f"status {request.from_status_id!r} is not a status of pipeline {pipeline_id!r}"
        problems.append(_problem(message, FROM_STATUS, NOT_A_STATUS))
    for status_id in request.status_mapping:
        where = f"{MAPPING}.{status_id}"
        if status_id not in ordered:
            message = f"status {status_id!r} is not a status of pipeline {pipeline_id!r}"
            problems.append(_problem(message, where, NOT_A_STATUS))
        elif request.from_status_id not in (None, status_id):
            message = f"only the tickets of {FROM_STATUS} {request.from_status_id!r} move"
            problems.append(_problem(message, where, NOT_MOVED))
    if request.from_status_id is not None:
        return [request.from_status_id] if request.from_status_id in ordered else []
    return ordered


def _targets(
    request: MoveRequest,
    walked: Sequence[str],
    counts: Mapping[str, int],
    problems: list[ErrorDetail],
) -> dict[str, str]:
    """Source status -> target status; a status that would stay where it is is left out."""
    same_pipeline = request.from_pipeline_id == request.to_pipeline_id
    targets: dict[str, str] = {}
    for status_id in walked:
        mapped = request.status_mapping.get(status_id)
        if mapped is None and request.default_status_id is None:
            if counts.get(status_id, 0):
                message = (
                    f"status {status_id!r} holds {counts[status_id]} ticket(s): map it, or "
                    f"give {DEFAULT_STATUS}"
                )
                problems.append(_problem(message, f"{MAPPING}.{status_id}", UNMAPPED_STATUS))
            continue
        target_id = mapped or request.default_status_id
        if same_pipeline and target_id == status_id:
            if mapped is not None or request.from_status_id is not None:
                where = f"{MAPPING}.{status_id}" if mapped is not None else DEFAULT_STATUS
                message = f"status {status_id!r} would move to itself"
                problems.append(_problem(message, where, SAME_STATUS))
            continue  # with a default, the default status's own tickets stay
        if target_id is not None:
            targets[status_id] = target_id
    if same_pipeline:
        for status_id, target_id in targets.items():
            if target_id in targets:
                message = (
                    f"status {target_id!r} both receives the tickets of {status_id!r} and loses "
                    "its own; move them in two steps"
                )
                where = (
                    f"{MAPPING}.{status_id}"
                    if status_id in request.status_mapping
                    else (DEFAULT_STATUS)
                )
                problems.append(_problem(message, where, CHAINED_STATUS))
    return targets


def _target_problems(
    request: MoveRequest,
    target: PipelineReplica,
    gate: PipelineGate,
    targets: Mapping[str, str],
) -> list[ErrorDetail]:
    """Every target status named must be a status of the target pipeline open to tickets."""
    named = {f"{MAPPING}.{k}": v for k, v in request.status_mapping.items()}
    if request.default_status_id is not None:
        named[DEFAULT_STATUS] = request.default_status_id
    problems = []
    for where, status_id in named.items():
        if target.status(status_id) is None:
            message = f"status {status_id!r} is not a status of pipeline {request.to_pipeline_id!r}"
            problems.append(_problem(message, where, NOT_A_STATUS))
        elif not gate.admits(status_id):
            message = f"status {status_id!r} is being deleted; it takes no tickets"
            problems.append(_problem(message, where, CLOSED_TO_TICKETS))
    return problems


# -- moving a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A ticket the batch could not move, and why (it stays where it was)."""

    ticket_id: str
    error: TicketError

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def code(self) -> str | None:
        return self.error.errors[0].code if self.error.errors else None


@dataclass
class BatchResult:
    moved: list[Ticket] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def require_all_moved(self) -> None:
        """Raises the first refusal's error: for callers that move all or nothing."""
        if self.refused:
            raise self.refused[0].error


def move_batch(
    tickets: Sequence[Ticket],
    *,
    pipeline: PipelineReplica | None,
    gate: PipelineGate,
    targets: Mapping[str, str],
    actor: Requester,
    now: datetime,
) -> BatchResult:
    """Move each ticket whose status `targets` maps into `pipeline`, through its `gate` (save
    the moved tickets and the gate). A ticket already where it would go, or in a status
    `targets` does not name, is left alone: running a batch again moves nothing twice."""
    result = BatchResult()
    for ticket in tickets:
        target_id = targets.get(ticket.status_id)
        if target_id is None or (pipeline is not None and _already_in(ticket, pipeline, target_id)):
            continue
        try:
            ticket.move_to(pipeline, target_id, gate, now, actor)
        except TicketError as refused:
            result.refused.append(Refusal(ticket.id, refused))
        else:
            result.moved.append(ticket)
    return result


def _already_in(ticket: Ticket, pipeline: PipelineReplica, status_id: str) -> bool:
    return (ticket.pipeline_id, ticket.status_id) == (pipeline.pipeline.id, status_id)
