"""The tickets routes: /crm/v3/objects/tickets (create, list, read, update, archive)."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Response, status

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.domain.idempotency import request_fingerprint
from ticketflow_ticket.entrypoints.http.schemas import (
    DEFAULT_PROPERTIES,
    REPLAYED,
    IdempotencyKey,
    TicketInput,
    etag,
    expected_version,
    object_types,
    requester_of,
    require_object_id,
    selected,
    ticket_json,
)
from ticketflow_ticket.handlers import changes, queries, tickets
from ticketflow_ticket.handlers.owners import OWNER_WAIT_SECONDS

MAX_PAGE = 100  # HubSpot's limit for a page of CRM objects


def build_api_router(
    uow: UnitOfWork, tokens: TokenCodec, owner_wait_seconds: float = OWNER_WAIT_SECONDS
) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]
    Properties = Annotated[list[str] | None, Query()]
    # HubSpot's `associations=contacts` (repeated or comma-separated object types).
    Associations = Annotated[list[str] | None, Query()]
    IfMatch = Annotated[str | None, Header(alias="If-Match")]

    @router.post("", status_code=status.HTTP_201_CREATED, responses=responses_for(403, 409, 422))
    async def create(
        body: TicketInput,
        caller: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        if idempotency_key is None:
            command = tickets.CreateTicket(
                requester_of(caller), numeric_id(), body.properties, owner_wait_seconds
            )
            ticket = await tickets.create_ticket(command, uow, context)
        else:
            fingerprint = request_fingerprint("create", [body.properties])
            keyed = tickets.CreateKeyedTicket(
                requester_of(caller),
                idempotency_key,
                fingerprint,
                0,
                body.properties,
                owner_wait_seconds,
            )
            created = await tickets.create_keyed_ticket(keyed, uow, context)
            ticket = created.ticket
            if created.replayed:
                response.headers.update(REPLAYED)
        response.headers.update(etag(ticket))
        return ticket_json(ticket)

    @router.get("")
    async def get_page(
        caller: Caller,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10,
        after: str | None = None,
        properties: Properties = None,
        archived: bool = False,
        associations: Associations = None,
    ) -> dict[str, Any]:
        command = queries.ListTickets(requester_of(caller), limit, after, archived)
        context = MessageContext.for_request(caller.account_id)
        page = await queries.list_tickets(command, uow, context)
        picked = selected(properties) or list(DEFAULT_PROPERTIES)
        linked = object_types(associations)
        body: dict[str, Any] = {"results": [ticket_json(t, picked, linked) for t in page.tickets]}
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
        associations: Associations = None,
    ) -> dict[str, Any]:
        command = tickets.GetTicket(requester_of(caller), ticket_id, archived)
        context = MessageContext.for_request(caller.account_id)
        ticket = await tickets.get_ticket(command, uow, context)
        response.headers.update(etag(ticket))
        return ticket_json(ticket, selected(properties), object_types(associations))

    @router.patch("/{ticket_id}", responses=responses_for(403, 409, 422))
    async def update(
        ticket_id: str,
        body: TicketInput,
        caller: Caller,
        response: Response,
        if_match: IfMatch = None,
        id_property: Annotated[str | None, Query(alias="idProperty")] = None,
    ) -> dict[str, Any]:
        require_object_id(id_property)
        command = changes.UpdateTicket(
            requester_of(caller),
            ticket_id,
            body.properties,
            expected_version(if_match),
            owner_wait_seconds,
        )
        context = MessageContext.for_request(caller.account_id)
        ticket = await changes.update_ticket(command, uow, context)
        response.headers.update(etag(ticket))
        return ticket_json(ticket)

    @router.delete(
        "/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses_for(403, 409)
    )
    async def archive(ticket_id: str, caller: Caller, if_match: IfMatch = None) -> Response:
        command = changes.ArchiveTicket(requester_of(caller), ticket_id, expected_version(if_match))
        await changes.archive_ticket(command, uow, MessageContext.for_request(caller.account_id))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
