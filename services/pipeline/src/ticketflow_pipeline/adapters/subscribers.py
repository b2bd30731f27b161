"""What the pipeline service consumes: the ticket service's answers in the retirement saga."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import StatusesClosed, StatusesCloseRefused
from ticketflow_pipeline.handlers.retirements import abandon_retirement, complete_retirement

RETIREMENT_ANSWERS = QueueSpec(
    "pipeline.retirement-answers",
    (
        on_events(StatusesClosed.message_type()),
        on_events(StatusesCloseRefused.message_type()),
    ),
)
QUEUES = (RETIREMENT_ANSWERS,)


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
    return router
