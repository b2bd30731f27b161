"""Connected channels per pipeline: the replica of connections (from the channels service's
events, revision-checked) and the listing, for whoever may see the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelConnectionEvent
from ticketflow_pipeline.adapters.channel_repository import ChannelConnectionReplicas
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.channels import (
    ChannelConnectionReplica,
    ConnectedChannel,
    channels_of,
)
from ticketflow_pipeline.handlers.loading import load_visible


async def apply_channel_connection(
    event: ChannelConnectionEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_apply_channel_connection_once, event, uow, context)


async def _apply_channel_connection_once(
    event: ChannelConnectionEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    replica = ChannelConnectionReplica(context.account_id, event.revision, event.connection)
    async with uow.begin(context) as session:
        await ChannelConnectionReplicas(session).apply(replica)


@dataclass(frozen=True)
class ListPipelineChannels:
    pipeline_id: str
    requester: Requester


async def list_pipeline_channels(
    query: ListPipelineChannels, uow: UnitOfWork, context: MessageContext
) -> list[ConnectedChannel]:
    """As `pipelines.get_pipeline`: a deleted pipeline, or one hidden from the requester, is
    404; then its connected channels."""
    async with uow.read(context) as session:
        await load_visible(session, context, query)
        found = await ChannelConnectionReplicas(session).connected_to(
            context.account_id, query.pipeline_id
        )
    return channels_of(query.pipeline_id, found)
