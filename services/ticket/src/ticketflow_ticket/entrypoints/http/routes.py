"""The tickets routes: /crm/v3/objects/tickets (create, list, read, update, archive)."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Response, status

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError
from ticketflow_ticket.domain.properties import PIPELINE, STATUS
from ticketflow_ticket.entrypoints.http.schemas import (
    DEFAULT_PROPERTIES,
    TicketInput,
    etag,
    expected_version,
    new_ticket_id,
    requester_of,
    selected,
    ticket_json,
)
from ticketflow_ticket.handlers import changes, queries, tickets

DEFAULT_PIPELINE = "default"
ID_PROPERTY = "hs_object_id"
MAX_PAGE = 100  # HubSpot's limit for a page of CRM objects


def build_api_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]
    Properties = Annotated[list[str] | None, Query()]
    IfMatch = Annotated[str | None, Header(alias="If-Match")]

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def create(body: TicketInput, caller: Caller, response: Response) -> dict[str, Any]:
        props = body.properties
        command = tickets.CreateTicket(
            ticket_id=new_ticket_id(),
            pipeline_id=props.get(PIPELINE) or DEFAULT_PIPELINE,
            status_id=props.get(STATUS),
            properties={k: v for k, v in props.items() if k not in (PIPELINE, STATUS)},
        )
        context = MessageContext.for_request(caller.account_id)
        ticket = await tickets.create_ticket(uow, context, command, requester_of(caller))
        response.headers.update(etag(ticket))
        return ticket_json(ticket)

    @router.get("")
    async def get_page(
        caller: Caller,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10,
        after: str | None = None,
        properties: Properties = None,
        archived: bool = False,
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        page = await queries.list_tickets(
            uow, context, requester_of(caller), limit=limit, after=after, archived=archived
        )
        picked = selected(properties) or list(DEFAULT_PROPERTIES)
        body: dict[str, Any] = {"results": [ticket_json(t, picked) for t in page.tickets]}
        if page.after is not None:
            query = urlencode(
                {"limit": limit, "after": page.after, "properties": ",".join(picked)}
                | ({"archived": "true"} if archived else {})
            )
            link = f"{router.prefix}?{query}"
            body["paging"] = {"next": {"after": page.after, "link": link}}
        return body

    @router.get("/{ticket_id}")
    async def get_by_id(
        ticket_id: str,
        caller: Caller,
        response: Response,
        properties: Properties = None,
        archived: bool = False,
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        ticket = await tickets.get_ticket(
            uow, context, ticket_id, requester_of(caller), archived=archived
        )
        response.headers.update(etag(ticket))
        return ticket_json(ticket, selected(properties))

    @router.patch("/{ticket_id}")
    async def update(
        ticket_id: str,
        body: TicketInput,
        caller: Caller,
        response: Response,
        if_match: IfMatch = None,
        id_property: Annotated[str | None, Query(alias="idProperty")] = None,
    ) -> dict[str, Any]:
        _require_object_id(id_property)
        command = changes.UpdateTicket(ticket_id, body.properties, expected_version(if_match))
        context = MessageContext.for_request(caller.account_id)
        ticket = await changes.update_ticket(uow, context, command, requester_of(caller))
        response.headers.update(etag(ticket))
        return ticket_json(ticket)

    @router.delete("/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def archive(ticket_id: str, caller: Caller, if_match: IfMatch = None) -> Response:
        context = MessageContext.for_request(caller.account_id)
        await changes.archive_ticket(
            uow, context, ticket_id, requester_of(caller), expected_version(if_match)
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def _require_object_id(id_property: str | None) -> None:
    """Tickets are addressed by id; no other property is unique (yet)."""
    if id_property not in (None, ID_PROPERTY):
        message = f"idProperty may only be {ID_PROPERTY!r}; {id_property!r} is not unique"
        raise TicketflowError(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, "idProperty")]
        )
