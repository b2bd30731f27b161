"""What the pipeline service consumes: the ticket service's answers in the retirement saga, the
channels service's connections into a read-only replica, and every service's reports of the
API tokens it accepted."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.replica import subscribe_connection_replica
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    Envelope,
    StatusesClosed,
    StatusesCloseRefused,
    TokenUsed,
)
from ticketflow_pipeline.handlers.channels import apply_channel_connection
from ticketflow_pipeline.handlers.retirements import abandon_retirement, complete_retirement
from ticketflow_pipeline.handlers.tokens import record_token_use

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
# Every service's reports of the API tokens it accepted (the token list's "last used").
TOKEN_USES = QueueSpec("pipeline.token-uses", (on_events("token.used.#"),))
QUEUES = (RETIREMENT_ANSWERS, CHANNEL_CONNECTIONS, TOKEN_USES)


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

    subscribe_connection_replica(connections, uow, apply_channel_connection)

    uses = runtime.consumer(TOKEN_USES)

    @uses.on(TokenUsed)
    async def on_token_used(event: Envelope[TokenUsed]) -> None:
        await record_token_use(event.payload, uow, uses.context_of(event))

    return consumers_router(answers, connections, uses)
