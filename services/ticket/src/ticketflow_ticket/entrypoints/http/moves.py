"""Bulk moves (a ticketflow extension beside HubSpot's tickets API):
`POST /crm/v3/extensions/tickets/moves` answers 202 at once with the job; `GET .../moves/{id}`
gives its progress. Moving one ticket is HubSpot's PATCH of hs_pipeline + hs_pipeline_stage.

    POST {"from": {"pipelineId": "p1", "statusId": "s1"}, "to": {"pipelineId": "p2"},
          "statusMapping": {"s1": "t1"}, "defaultStatusId": "t2",
          "filter": {"filterGroups": [{"filters": [
              {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}]}]}}
    202  {"id": "…", "status": "PENDING", "total": 120, "moved": 0, "failed": 0,
          "skipped": 0, …}
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_moves_router) at definition time.

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status
from pydantic import Field

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.domain.move_jobs import MoveJob
from ticketflow_ticket.domain.moves import MoveRequest, parse_move_filter
from ticketflow_ticket.domain.properties import timestamp
from ticketflow_ticket.domain.search import Condition, FilterGroups, Operator
from ticketflow_ticket.entrypoints.http.schemas import REPLAYED, requester_of
from ticketflow_ticket.handlers import moves

PREFIX = "/crm/v3/extensions/tickets/moves"
MAX_STATUSES = 100  # a pipeline has at most 100 statuses
Id = Annotated[str, Field(min_length=1, max_length=100)]


class Source(CamelInput):
    pipeline_id: Id
    status_id: Id | None = None


class Target(CamelInput):
    pipeline_id: Id


class MoveInput(CamelInput):
    source: Source = Field(alias="from")
    to: Target
    status_mapping: dict[str, Id] = Field(default_factory=dict, max_length=MAX_STATUSES)
    default_status_id: Id | None = None
    # HubSpot's search `filterGroups`, checked by the domain so that each problem is named.
    filter: dict[str, Any] | None = None

    def request(self) -> MoveRequest:
        return MoveRequest(
            from_pipeline_id=self.source.pipeline_id,
            to_pipeline_id=self.to.pipeline_id,
            from_status_id=self.source.status_id,
            status_mapping=dict(self.status_mapping),
            default_status_id=self.default_status_id,
            filter_groups=parse_move_filter(self.filter),
        )


def build_moves_router(
    uow: UnitOfWork, tokens: TokenCodec, wake: Callable[[], None] = lambda: None
) -> APIRouter:
    """`wake` starts the runner on a new job at once (the app passes the runner's)."""
    router = APIRouter(prefix=PREFIX, tags=["moves"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]
    IdempotencyKey = Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ]

    @router.post("", status_code=status.HTTP_202_ACCEPTED, responses=responses_for(403, 409, 422))
    async def start(
        body: MoveInput,
        caller: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        command = moves.StartMove(requester_of(caller), body.request(), idempotency_key)
        started = await moves.start_move(command, uow, context)
        wake()
        response.headers["Location"] = f"{PREFIX}/{started.job.id}"
        if started.replayed:
            response.headers.update(REPLAYED)
        return job_json(started.job)

    @router.get("/{job_id}")
    async def progress(job_id: uuid.UUID, caller: Caller) -> dict[str, Any]:
        command = moves.GetMove(requester_of(caller), str(job_id))
        context = MessageContext.for_request(caller.account_id)
        return job_json(await moves.get_move(command, uow, context))

    return router


def job_json(job: MoveJob) -> dict[str, Any]:
    request = job.request
    source = {"pipelineId": request.from_pipeline_id}
    if request.from_status_id is not None:
        source["statusId"] = request.from_status_id
    return {
        "id": job.id,
        "status": job.state.value,
        "from": source,
        "to": {"pipelineId": request.to_pipeline_id},
        "statusMapping": dict(request.status_mapping),
        "defaultStatusId": request.default_status_id,
        "filter": filter_json(request.filter_groups),
        "total": job.total,
        "moved": job.moved,
        "failed": job.failed,
        "skipped": job.skipped,
        "createdAt": timestamp(job.created_at),
        "startedAt": timestamp(job.started_at) if job.started_at else None,
        "completedAt": timestamp(job.completed_at) if job.completed_at else None,
        "errors": [
            {"ticketId": e.ticket_id, "message": e.message, "code": e.code} for e in job.errors
        ],
        "links": {"status": f"{PREFIX}/{job.id}"},
    }


def filter_json(groups: FilterGroups | None) -> dict[str, Any] | None:
    """The filter as it was given (HubSpot's filter shape), or None."""
    if groups is None:
        return None
    return {"filterGroups": [{"filters": [_filter_json(c) for c in g]} for g in groups]}


def _filter_json(condition: Condition) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "propertyName": condition.property,
        "operator": condition.operator.value,
    }
    if condition.operator in (Operator.IN, Operator.NOT_IN):
        shown["values"] = list(condition.values)
    elif condition.values:
        shown["value"] = condition.values[0]
        if condition.operator is Operator.BETWEEN:
            shown["highValue"] = condition.values[1]
    return shown
