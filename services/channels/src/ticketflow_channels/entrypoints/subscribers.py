"""What the channels service consumes: account events, pipeline snapshots into its replica
(the pipelines a connection may target; a deletion moves the channels still on it), and
`ticket.created` (the ticket a conversation got)."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_channels.adapters.repository import PIPELINES
from ticketflow_channels.handlers.accounts import apply_account_created
from ticketflow_channels.handlers.pipelines import apply_pipeline_deleted
from ticketflow_channels.handlers.tickets import link_ticket
from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_command, on_events
from ticketflow_chassis.replica import subscribe_pipeline_replica
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    AccountCreated,
    Envelope,
    TicketCreated,
)

ACCOUNT_EVENTS = QueueSpec("channels.account-events", (on_events("account.#"),))
PIPELINE_SNAPSHOTS = QueueSpec("channels.pipeline-snapshots", (on_events("pipeline.#"),))
# The raw emails intake stored, for the ingestion workers (competing consumers).
EMAIL_INGEST = QueueSpec("channels.email-ingest", (on_command("channels.ingest_email"),))
# Messages to send (`channels.send_message`, from the ticket and notifier services).
SEND_MESSAGES = QueueSpec("channels.send-messages", (on_command("channels.send_message"),))
# Tickets the ticket service created for conversations: the conversation keeps its ticket.
TICKET_EVENTS = QueueSpec("channels.ticket-events", (on_events("ticket.created.#"),))
# Every process declares every queue (an intake-only one queues for ingestion); which ones it
# consumes depends on its role (app.py).
QUEUES = (ACCOUNT_EVENTS, PIPELINE_SNAPSHOTS, EMAIL_INGEST, SEND_MESSAGES, TICKET_EVENTS)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    uow = runtime.uow
    account_events = runtime.consumer(ACCOUNT_EVENTS)
    pipeline_snapshots = runtime.consumer(PIPELINE_SNAPSHOTS)
    ticket_events = runtime.consumer(TICKET_EVENTS)

    @account_events.on(AccountCreated)
    async def on_account_created(event: Envelope[AccountCreated]) -> None:
        await apply_account_created(event.payload, uow, account_events.context_of(event))

    # A deleted pipeline's channels move elsewhere (handlers/pipelines.py).
    subscribe_pipeline_replica(
        pipeline_snapshots, uow, PIPELINES, on_deleted=apply_pipeline_deleted
    )

    @ticket_events.on(TicketCreated)
    async def on_ticket_created(event: Envelope[TicketCreated]) -> None:
        await link_ticket(event.payload, uow, ticket_events.context_of(event))

    return consumers_router(account_events, pipeline_snapshots, ticket_events)
