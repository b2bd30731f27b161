"""GET /crm/v3/extensions/tickets/counts?pipelineId=: what a board view shows, the live
tickets of a pipeline per status (an extension; HubSpot has no such endpoint)."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside the builder) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.entrypoints.http.schemas import requester_of
from ticketflow_ticket.handlers import queries


def build_counts_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/extensions/tickets", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.get("/counts", responses=responses_for(404))
    async def ticket_counts(
        caller: Caller,
        pipeline_id: Annotated[str, Query(alias="pipelineId", min_length=1, max_length=100)],
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        command = queries.CountTickets(requester_of(caller), pipeline_id)
        counts = await queries.count_tickets(command, uow, context)
        return {
            "pipelineId": counts.pipeline_id,
            "total": counts.total,
            "byStatus": counts.by_status,
        }

    return router
