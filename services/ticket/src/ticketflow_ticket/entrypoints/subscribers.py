"""What the ticket service consumes: pipeline snapshots and custom property definitions into
its replicas, its commands (the retirement saga's `ticket.close_statuses`), and the events
that feed tickets' timelines."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_command, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    CloseStatuses,
    PipelineCreated,
    PipelineDeleted,
    PipelineUpdated,
    TicketPropertyArchived,
    TicketPropertyDefined,
)
from ticketflow_ticket.domain.timeline import TIMELINE_EVENTS
from ticketflow_ticket.handlers.properties import apply_property_definition
from ticketflow_ticket.handlers.replicas import apply_pipeline_snapshot
from ticketflow_ticket.handlers.retirements import close_statuses
from ticketflow_ticket.handlers.timeline import record_timeline_entry

PIPELINE_SNAPSHOTS = QueueSpec("ticket.pipeline-snapshots", (on_events("pipeline.#"),))
TICKET_COMMANDS = QueueSpec("ticket.commands", (on_command(CloseStatuses.message_type()),))
PROPERTY_DEFINITIONS = QueueSpec("ticket.property-definitions", (on_events("ticket_property.#"),))
# The timeline read model: this service's own ticket events (every write path), the messages
# of tickets' conversations and the notifications sent about tickets.
TIMELINE = QueueSpec(
    "ticket.timeline",
    (
        on_events("ticket.#"),
        on_events("notification.sent.#"),
        on_events("conversation.message_received.#"),
        on_events("conversation.message_sent.#"),
    ),
)
QUEUES = (PIPELINE_SNAPSHOTS, PROPERTY_DEFINITIONS, TICKET_COMMANDS, TIMELINE)


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
    on_property_definition = partial(apply_property_definition, runtime.uow)
    runtime.subscribe(
        router,
        PROPERTY_DEFINITIONS,
        {
            TicketPropertyDefined: on_property_definition,
            TicketPropertyArchived: on_property_definition,
        },
    )
    on_close_statuses = partial(close_statuses, runtime.uow)
    runtime.subscribe(router, TICKET_COMMANDS, {CloseStatuses: on_close_statuses})
    on_timeline_event = partial(record_timeline_entry, runtime.uow)
    runtime.subscribe(router, TIMELINE, {cls: on_timeline_event for cls in TIMELINE_EVENTS})
    return router
