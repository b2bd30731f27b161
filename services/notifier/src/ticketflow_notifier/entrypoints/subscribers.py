"""What the notifier consumes: ticket events, and pipeline snapshots into its replica."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import PipelineCreated, PipelineDeleted, PipelineUpdated, TicketCreated
from ticketflow_notifier.handlers.pipelines import apply_pipeline_snapshot
from ticketflow_notifier.handlers.tickets import record_ticket_created

TICKET_EVENTS = QueueSpec("notifier.ticket-events", (on_events("ticket.#"),))
PIPELINE_SNAPSHOTS = QueueSpec("notifier.pipeline-snapshots", (on_events("pipeline.#"),))
QUEUES = (TICKET_EVENTS, PIPELINE_SNAPSHOTS)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    router = RabbitRouter()
    runtime.subscribe(
        router, TICKET_EVENTS, {TicketCreated: partial(record_ticket_created, runtime.uow)}
    )
    on_snapshot = partial(apply_pipeline_snapshot, runtime.uow)
    runtime.subscribe(
        router,
        PIPELINE_SNAPSHOTS,
        {PipelineCreated: on_snapshot, PipelineUpdated: on_snapshot, PipelineDeleted: on_snapshot},
    )
    return router
