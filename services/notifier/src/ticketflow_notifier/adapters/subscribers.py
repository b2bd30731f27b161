"""What the notifier consumes: ticket events."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import TicketCreated
from ticketflow_notifier.handlers.tickets import record_ticket_created

TICKET_EVENTS = QueueSpec("notifier.ticket-events", (on_events("ticket.#"),))
QUEUES = (TICKET_EVENTS,)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    router = RabbitRouter()
    runtime.subscribe(
        router, TICKET_EVENTS, {TicketCreated: partial(record_ticket_created, runtime.uow)}
    )
    return router
