"""HTTP routes following HubSpot's CRM v3 tickets object API."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.domain.access import Viewer
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.handlers import tickets

DEFAULT_PIPELINE = "default"


class TicketInput(BaseModel):
    """HubSpot's SimplePublicObjectInputForCreate: properties are strings."""

    model_config = ConfigDict(extra="ignore")

    properties: dict[str, str | None]
    associations: list[dict[str, Any]] = Field(default_factory=list)


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    properties = {k: v for k, v in ticket.properties().items() if v is not None}
    properties |= {
        "hs_object_id": ticket.id,
        "createdate": _timestamp(ticket.created_at),
        "hs_lastmodifieddate": _timestamp(ticket.updated_at),
    }
    return {
        "id": ticket.id,
        "properties": properties,
        "createdAt": _timestamp(ticket.created_at),
        "updatedAt": _timestamp(ticket.updated_at),
        "archived": ticket.archived,
    }


def viewer(principal: Principal) -> Viewer:
    return Viewer(principal.user_id, principal.teams, principal.is_super_admin)


def new_ticket_id() -> str:
    """A numeric string like HubSpot's object ids (48 random bits)."""
    return str(uuid.uuid4().int >> 80)


def build_api_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def create(body: TicketInput, caller: Caller) -> dict[str, Any]:
        props = body.properties
        command = tickets.CreateTicket(
            ticket_id=new_ticket_id(),
            pipeline_id=props.get("hs_pipeline") or DEFAULT_PIPELINE,
            status_id=props.get("hs_pipeline_stage"),
            subject=props.get("subject"),
            content=props.get("content"),
            priority=props.get("hs_ticket_priority"),
            owner_id=props.get("hubspot_owner_id"),
            source_type=props.get("source_type"),
            created_by=caller.user_id,
        )
        context = MessageContext.for_request(caller.account_id)
        return ticket_json(await tickets.create_ticket(uow, context, command, viewer(caller)))

    @router.get("/{ticket_id}")
    async def get_by_id(ticket_id: str, caller: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        return ticket_json(await tickets.get_ticket(uow, context, ticket_id, viewer(caller)))

    return router
