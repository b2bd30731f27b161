"""A pipeline's connected channels (`/settings/v1/ticket-pipelines/{id}/channels`), read-only:
the channels service owns connections; this lists its replica for the pipeline settings page."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.domain.channels import ConnectedChannel
from ticketflow_pipeline.entrypoints.http.callers import context_of, requester_of
from ticketflow_pipeline.handlers import channels

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_channels_router) at definition time.


def channel_json(channel: ConnectedChannel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "type": channel.type.value,
        "address": channel.address,
        "createTickets": channel.create_tickets,
        "connected": channel.connected,
    }


def build_channels_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["settings"])
    Caller = Annotated[Principal, Depends(caller)]

    @router.get("/settings/v1/ticket-pipelines/{pipeline_id}/channels")
    async def list_channels(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        """The connected channels whose new tickets go to this pipeline, oldest first."""
        query = channels.ListPipelineChannels(pipeline_id, requester_of(principal))
        found = await channels.list_pipeline_channels(query, uow, context_of(principal))
        return {"results": [channel_json(c) for c in found]}

    return router
