"""What the ticket service consumes: pipeline snapshots into its replica."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import PipelineCreated, PipelineDeleted, PipelineUpdated
from ticketflow_ticket.handlers.replicas import apply_pipeline_snapshot

PIPELINE_SNAPSHOTS = QueueSpec("ticket.pipeline-snapshots", (on_events("pipeline.#"),))
QUEUES = (PIPELINE_SNAPSHOTS,)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    router = RabbitRouter()
    on_pipeline_snapshot = partial(apply_pipeline_snapshot, runtime.uow)
    runtime.subscribe(
        router,
        PIPELINE_SNAPSHOTS,
        {
            PipelineCreated: on_pipeline_snapshot,
            PipelineUpdated: on_pipeline_snapshot,
            PipelineDeleted: on_pipeline_snapshot,
        },
    )
    return router
