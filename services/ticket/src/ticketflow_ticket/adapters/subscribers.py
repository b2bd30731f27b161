"""What the ticket service consumes: pipeline snapshots into its replica, and its commands
(the retirement saga's `ticket.close_statuses`)."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_command, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import CloseStatuses, PipelineCreated, PipelineDeleted, PipelineUpdated
from ticketflow_ticket.handlers.replicas import apply_pipeline_snapshot
from ticketflow_ticket.handlers.retirements import close_statuses

PIPELINE_SNAPSHOTS = QueueSpec("ticket.pipeline-snapshots", (on_events("pipeline.#"),))
TICKET_COMMANDS = QueueSpec("ticket.commands", (on_command(CloseStatuses.message_type()),))
QUEUES = (PIPELINE_SNAPSHOTS, TICKET_COMMANDS)


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
    on_close_statuses = partial(close_statuses, runtime.uow)
    runtime.subscribe(router, TICKET_COMMANDS, {CloseStatuses: on_close_statuses})
    return router
