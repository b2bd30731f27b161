"""HTTP routes of channel connections (`/channels/v1/connections`), a ticketflow extension in
HubSpot-style camelCase JSON: HubSpot's inbox channel settings have no public API in this form."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import Field, StrictBool, field_validator

from ticketflow_channels.domain.access import Requester
from ticketflow_channels.domain.connections import (
    ChannelConnection,
    ConnectionChanges,
    NewConnection,
)
from ticketflow_channels.handlers import connections
from ticketflow_chassis.auth import Principal, Role, TokenCodec, bearer_principal, require_role
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput, timestamp
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelType

DEFAULT_PIPELINE = "default"
MAX_TEXT = 1000  # a body cap; the domain applies the real limits and names them


class ConnectionInput(CamelInput):
    type: ChannelType
    address: str = Field(max_length=MAX_TEXT)
    pipeline_id: str = Field(default=DEFAULT_PIPELINE, max_length=MAX_TEXT)
    create_tickets: StrictBool = True

    def as_new_connection(self) -> NewConnection:
        return NewConnection(self.type, self.address, self.pipeline_id, self.create_tickets)


class ConnectionPatch(CamelInput):
    """Fields left out stay as they are; none of them can be cleared. The type never changes."""

    address: str | None = Field(default=None, max_length=MAX_TEXT)
    pipeline_id: str | None = Field(default=None, max_length=MAX_TEXT)
    create_tickets: StrictBool | None = None

    @field_validator("address", "pipeline_id", "create_tickets")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value

    def as_changes(self) -> ConnectionChanges:
        return ConnectionChanges(self.address, self.pipeline_id, self.create_tickets)


def connection_json(connection: ChannelConnection) -> dict[str, Any]:
    state = connection.state
    return {
        "id": state.id,
        "type": state.type.value,
        "address": state.address,
        "pipelineId": state.pipeline_id,
        "createTickets": state.create_tickets,
        "connected": state.connected,
        "createdAt": timestamp(state.created_at),
        "updatedAt": timestamp(state.updated_at),
    }


def requester_of(principal: Principal) -> Requester:
    return Requester(principal.user_id, principal.teams, is_super_admin=principal.is_super_admin)


def build_api_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/channels/v1/connections", tags=["channel connections"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    def reader(principal: Principal) -> MessageContext:
        return MessageContext.for_request(principal.account_id)

    def admin(principal: Principal) -> MessageContext:
        """Connecting and changing channels is for super admins, as in HubSpot."""
        require_role(principal, Role.SUPER_ADMIN)
        return MessageContext.for_request(principal.account_id)

    @router.get("")
    async def list_connections(caller: Caller) -> dict[str, Any]:
        """The account's connected channels, oldest first."""
        found = await connections.list_connections(
            connections.ListConnections(requester_of(caller)), uow, reader(caller)
        )
        return {"results": [connection_json(c) for c in found]}

    @router.post("", status_code=status.HTTP_201_CREATED, responses=responses_for(403, 409))
    async def connect(body: ConnectionInput, caller: Caller) -> dict[str, Any]:
        """`pipelineId` defaults to `default`; it must name a pipeline of the account."""
        command = connections.ConnectChannel(body.as_new_connection())
        created = await connections.connect_channel(command, uow, admin(caller))
        return connection_json(created)

    @router.get("/{connection_id}")
    async def get_connection(connection_id: str, caller: Caller) -> dict[str, Any]:
        found = await connections.get_connection(
            connections.GetConnection(connection_id, requester_of(caller)), uow, reader(caller)
        )
        return connection_json(found)

    @router.patch("/{connection_id}", responses=responses_for(403, 409))
    async def update(connection_id: str, body: ConnectionPatch, caller: Caller) -> dict[str, Any]:
        """Target pipeline, ticket creation, or the name of a chat or Messenger channel."""
        command = connections.UpdateConnection(connection_id, body.as_changes())
        changed = await connections.update_connection(command, uow, admin(caller))
        return connection_json(changed)

    @router.delete(
        "/{connection_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(403, 409),
    )
    async def disconnect(connection_id: str, caller: Caller) -> None:
        """The channel stops bringing in conversations; its address may be connected again."""
        await connections.disconnect_channel(
            connections.DisconnectChannel(connection_id), uow, admin(caller)
        )

    return router
