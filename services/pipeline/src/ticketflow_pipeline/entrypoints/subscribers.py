"""What the pipeline service consumes: the ticket service's answers in the retirement saga, and
the channels service's connections into a read-only replica."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
    Envelope,
    StatusesClosed,
    StatusesCloseRefused,
)
from ticketflow_pipeline.handlers.channels import apply_channel_connection
from ticketflow_pipeline.handlers.retirements import abandon_retirement, complete_retirement

RETIREMENT_ANSWERS = QueueSpec(
    "pipeline.retirement-answers",
    (
        on_events(StatusesClosed.message_type()),
        on_events(StatusesCloseRefused.message_type()),
    ),
)
CHANNEL_CONNECTIONS = QueueSpec(
    "pipeline.channel-connections", (on_events("channel_connection.#"),)
)
QUEUES = (RETIREMENT_ANSWERS, CHANNEL_CONNECTIONS)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    uow = runtime.uow
    answers = runtime.consumer(RETIREMENT_ANSWERS)
    connections = runtime.consumer(CHANNEL_CONNECTIONS)

    @answers.on(StatusesClosed)
    async def on_statuses_closed(event: Envelope[StatusesClosed]) -> None:
        await complete_retirement(event.payload, uow, answers.context_of(event))

    @answers.on(StatusesCloseRefused)
    async def on_statuses_close_refused(event: Envelope[StatusesCloseRefused]) -> None:
        await abandon_retirement(event.payload, uow, answers.context_of(event))

    @connections.on(ChannelConnectionConnected)
    async def on_channel_connection_connected(
        event: Envelope[ChannelConnectionConnected],
    ) -> None:
        await apply_channel_connection(event.payload, uow, connections.context_of(event))

    @connections.on(ChannelConnectionUpdated)
    async def on_channel_connection_updated(event: Envelope[ChannelConnectionUpdated]) -> None:
        await apply_channel_connection(event.payload, uow, connections.context_of(event))

    @connections.on(ChannelConnectionDisconnected)
    async def on_channel_connection_disconnected(
        event: Envelope[ChannelConnectionDisconnected],
    ) -> None:
        await apply_channel_connection(event.payload, uow, connections.context_of(event))

    return consumers_router(answers, connections)
