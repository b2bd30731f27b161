"""POST /crm/v3/objects/tickets/search: HubSpot's search body in, `{total, results, paging}`
out. The body is checked by domain/search.py, so each problem names its place."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside the builder) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.domain.search import parse_search
from ticketflow_ticket.entrypoints.http.schemas import DEFAULT_PROPERTIES, requester_of, ticket_json
from ticketflow_ticket.handlers import queries


def build_search_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.post("/search")
    async def do_search(body: Annotated[dict[str, Any], Body()], caller: Caller) -> dict[str, Any]:
        request = parse_search(body)
        command = queries.SearchTickets(requester_of(caller), request)
        context = MessageContext.for_request(caller.account_id)
        found = await queries.search_tickets(command, uow, context)
        picked = list(request.properties or DEFAULT_PROPERTIES)
        response: dict[str, Any] = {
            "total": found.total,
            "results": [ticket_json(t, picked) for t in found.tickets],
        }
        if found.after is not None:
            response["paging"] = {"next": {"after": found.after}}
        return response

    return router
