"""Connected channels per pipeline: the replica of connections (from the channels service's
events, revision-checked) and the listing, for whoever may see the pipeline."""

from __future__ import annotations

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
    replica = ChannelConnectionReplica(context.account_id, event.revision, event.connection)
    async with uow.begin(context) as session:
        await ChannelConnectionReplicas(session).apply(replica)


async def list_pipeline_channels(
    uow: UnitOfWork, context: MessageContext, pipeline_id: str, requester: Requester
) -> list[ConnectedChannel]:
    """As `pipelines.get_pipeline`: a deleted pipeline, or one hidden from the requester, is
    404; then its connected channels."""
    async with uow.begin(context) as session:
        await load_visible(session, context, pipeline_id, requester)
        found = await ChannelConnectionReplicas(session).connected_to(
            context.account_id, pipeline_id
        )
    return channels_of(pipeline_id, found)
