"""Bulk-move jobs <-> documents (`<account>:<job id>`), and the guards of their source
pipelines (`<account>:<pipeline id>`), on the chassis store port."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ticketflow_chassis.store.port import (
    Collection,
    Document,
    Eq,
    In,
    Index,
    Query,
    SortKey,
    scoped_id,
)
from ticketflow_chassis.uow import Session
from ticketflow_ticket.domain.move_jobs import (
    ACTIVE,
    JobError,
    JobState,
    MoveJob,
    MoveSourceGuard,
)
from ticketflow_ticket.domain.moves import MovePlan, MoveRequest
from ticketflow_ticket.domain.search import Condition, FilterGroups, Operator

MOVE_JOBS = "move_jobs"
COLLECTION = Collection(
    MOVE_JOBS,
    (
        # The runner's scan for jobs to (re)start, oldest first, across accounts.
        Index(("state", "created_at")),
        # A new move checks the account's active moves out of the same pipeline.
        Index(("account_id", "from_pipeline_id", "state")),
    ),
    field_types={
        "account_id": "string",
        "from_pipeline_id": "string",
        "state": "string",
        "created_at": "string",
    },
)
MOVE_SOURCE_GUARDS = "move_source_guards"
GUARD_COLLECTION = Collection(MOVE_SOURCE_GUARDS)
RUNNABLE_SCAN = 100


def _date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def filter_to_doc(groups: FilterGroups | None) -> list[list[dict[str, Any]]] | None:
    """The parsed filter, so that a resumed job applies the one it was started with."""
    if groups is None:
        return None
    return [
        [
            {
                "property": c.property,
                "operator": c.operator.value,
                "values": list(c.values),
                "place": c.place,
            }
            for c in group
        ]
        for group in groups
    ]


def filter_from_doc(raw: list[list[dict[str, Any]]] | None) -> FilterGroups | None:
    if raw is None:
        return None
    return tuple(
        tuple(
            Condition(c["property"], Operator(c["operator"]), tuple(c["values"]), c["place"])
            for c in group
        )
        for group in raw
    )


def job_to_doc(job: MoveJob) -> Document:
    request = job.request
    return {
        "id": scoped_id(job.account_id, job.id),
        "job_id": job.id,
        "account_id": job.account_id,
        "requested_by": job.requested_by,
        "correlation_id": job.correlation_id,
        "from_pipeline_id": request.from_pipeline_id,
        "from_status_id": request.from_status_id,
        "to_pipeline_id": request.to_pipeline_id,
        # Pairs, not an object: status ids are not safe as MongoDB field names.
        "status_mapping": [[k, v] for k, v in request.status_mapping.items()],
        "default_status_id": request.default_status_id,
        "filter": filter_to_doc(request.filter_groups),
        # A list, so that the walk's order survives every store's JSON.
        "plan": [[source, target] for source, target in job.plan.targets.items()],
        "state": job.state.value,
        "total": job.total,
        "moved": job.moved,
        "failed": job.failed,
        "skipped": job.skipped,
        "errors": [
            {"ticket_id": e.ticket_id, "message": e.message, "code": e.code} for e in job.errors
        ],
        "position": job.position,
        "after": job.after,
        "attempts": job.attempts,
        "created_at": _date(job.created_at),
        "updated_at": _date(job.updated_at),
        "started_at": _date(job.started_at),
        "completed_at": _date(job.completed_at),
    }


def job_from_doc(doc: Document) -> MoveJob:
    request = MoveRequest(
        from_pipeline_id=doc["from_pipeline_id"],
        to_pipeline_id=doc["to_pipeline_id"],
        from_status_id=doc["from_status_id"],
        status_mapping={source: target for source, target in doc["status_mapping"]},
        default_status_id=doc["default_status_id"],
        # Jobs stored before filters existed have no `filter` (nor `skipped`).
        filter_groups=filter_from_doc(doc.get("filter")),
    )
    return MoveJob(
        id=doc["job_id"],
        account_id=doc["account_id"],
        requested_by=doc["requested_by"],
        request=request,
        plan=MovePlan({source: target for source, target in doc["plan"]}),
        correlation_id=doc["correlation_id"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        total=doc["total"],
        state=JobState(doc["state"]),
        moved=doc["moved"],
        failed=doc["failed"],
        skipped=doc.get("skipped", 0),
        errors=[JobError(e["ticket_id"], e["message"], e["code"]) for e in doc["errors"]],
        position=doc["position"],
        after=doc["after"],
        started_at=_parse(doc["started_at"]),
        completed_at=_parse(doc["completed_at"]),
        attempts=doc["attempts"],
        version=doc["version"],
    )


class MoveJobRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, job_id: str) -> MoveJob | None:
        doc = await self._session.get(MOVE_JOBS, scoped_id(account_id, job_id))
        return job_from_doc(doc) if doc else None

    async def add(self, job: MoveJob) -> None:
        """Insert-only: a job with the same id (the same Idempotency-Key) is a ConflictError."""
        stored = await self._session.put(MOVE_JOBS, job_to_doc(job), expected_version=None)
        job.version = stored["version"]

    async def save(self, job: MoveJob) -> None:
        """At the version it was read: two runners on one job cannot both commit a batch."""
        stored = await self._session.put(MOVE_JOBS, job_to_doc(job), expected_version=job.version)
        job.version = stored["version"]

    async def source_guard(self, account_id: str, pipeline_id: str) -> MoveSourceGuard:
        doc = await self._session.get(MOVE_SOURCE_GUARDS, scoped_id(account_id, pipeline_id))
        if doc is None:
            return MoveSourceGuard(account_id, pipeline_id)
        return MoveSourceGuard(account_id, pipeline_id, doc["starts"], doc["version"])

    async def save_source_guard(self, guard: MoveSourceGuard) -> None:
        """At the version it was read: of two concurrent writers, one fails with
        ConflictError (SQLite runs them one after the other)."""
        doc = {
            "id": scoped_id(guard.account_id, guard.pipeline_id),
            "account_id": guard.account_id,
            "pipeline_id": guard.pipeline_id,
            "starts": guard.starts,
        }
        stored = await self._session.put(MOVE_SOURCE_GUARDS, doc, expected_version=guard.version)
        guard.version = stored["version"]

    async def active_from(self, account_id: str, pipeline_id: str) -> list[MoveJob]:
        """The account's pending or running moves out of `pipeline_id`."""
        filters = (
            Eq("account_id", account_id),
            Eq("from_pipeline_id", pipeline_id),
            In("state", tuple(s.value for s in ACTIVE)),
        )
        page = await self._session.find(MOVE_JOBS, Query(filters, limit=RUNNABLE_SCAN))
        return [job_from_doc(doc) for doc in page.items]

    async def runnable(self, limit: int = RUNNABLE_SCAN) -> list[MoveJob]:
        """Pending and running jobs of every account, oldest first: new ones, and those a
        stopped or crashed process left running."""
        filters = (In("state", tuple(s.value for s in ACTIVE)),)
        query = Query(filters, sort=(SortKey("created_at"),), limit=limit)
        page = await self._session.find(MOVE_JOBS, query)
        return [job_from_doc(doc) for doc in page.items]
