"""What the notifier consumes: ticket events, and pipeline snapshots and the account's users and
teams (for internal notifications) into its replicas."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.directory_replica import subscribe_team_replica, subscribe_user_replica
from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.replica import subscribe_pipeline_replica
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    Envelope,
    TicketCreated,
)
from ticketflow_notifier.adapters.repository import PIPELINES
from ticketflow_notifier.handlers.tickets import record_ticket_created

TICKET_EVENTS = QueueSpec("notifier.ticket-events", (on_events("ticket.#"),))
PIPELINE_SNAPSHOTS = QueueSpec("notifier.pipeline-snapshots", (on_events("pipeline.#"),))
# Recipients of internal notifications: users, and teams with their members (none sent yet).
DIRECTORY = QueueSpec("notifier.directory", (on_events("user.#"), on_events("team.#")))
QUEUES = (TICKET_EVENTS, PIPELINE_SNAPSHOTS, DIRECTORY)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    uow = runtime.uow
    ticket_events = runtime.consumer(TICKET_EVENTS)
    pipeline_snapshots = runtime.consumer(PIPELINE_SNAPSHOTS)
    directory = runtime.consumer(DIRECTORY)

    @ticket_events.on(TicketCreated)
    async def on_ticket_created(event: Envelope[TicketCreated]) -> None:
        await record_ticket_created(event.payload, uow, ticket_events.context_of(event))

    subscribe_pipeline_replica(pipeline_snapshots, uow, PIPELINES)
    subscribe_user_replica(directory, uow)
    subscribe_team_replica(directory, uow)

    return consumers_router(ticket_events, pipeline_snapshots, directory)
