"""What the pipeline service consumes: the ticket service's answers in the retirement saga, and
the channels service's connections into a read-only replica."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
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
    router = RabbitRouter()
    runtime.subscribe(
        router,
        RETIREMENT_ANSWERS,
        {
            StatusesClosed: partial(complete_retirement, runtime.uow),
            StatusesCloseRefused: partial(abandon_retirement, runtime.uow),
        },
    )
    on_connection = partial(apply_channel_connection, runtime.uow)
    runtime.subscribe(
        router,
        CHANNEL_CONNECTIONS,
        {
            ChannelConnectionConnected: on_connection,
            ChannelConnectionUpdated: on_connection,
            ChannelConnectionDisconnected: on_connection,
        },
    )
    return router
