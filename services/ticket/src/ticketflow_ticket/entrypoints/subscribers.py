"""What the ticket service consumes: pipeline snapshots, custom property definitions and the
account's users (ticket owners) and channel connections into its replicas, its commands (the
retirement saga's `ticket.close_statuses`), the inbound messages that create tickets, and the
events that feed tickets' timelines."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_chassis.directory_replica import subscribe_user_replica
from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_command, on_events
from ticketflow_chassis.replica import subscribe_connection_replica, subscribe_pipeline_replica
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    AccountCreated,
    CloseStatuses,
    ConversationMessageReceived,
    ConversationMessageSent,
    Envelope,
    NotificationSent,
    TicketPropertyArchived,
    TicketPropertyDefined,
)
from ticketflow_ticket.adapters.repository import PIPELINES
from ticketflow_ticket.handlers import triggers
from ticketflow_ticket.handlers.conversations import (
    PIPELINE_WAIT_SECONDS,
    apply_channel_connection,
    create_conversation_ticket,
)
from ticketflow_ticket.handlers.properties import apply_property_definition
from ticketflow_ticket.handlers.retirements import close_statuses
from ticketflow_ticket.handlers.timeline import record_timeline_entry

PIPELINE_SNAPSHOTS = QueueSpec("ticket.pipeline-snapshots", (on_events("pipeline.#"),))
TICKET_COMMANDS = QueueSpec("ticket.commands", (on_command(CloseStatuses.message_type()),))
PROPERTY_DEFINITIONS = QueueSpec("ticket.property-definitions", (on_events("ticket_property.#"),))
# The timeline read model from other services: the messages of tickets' conversations and the
# notifications sent about tickets (this service's own ticket events make their entries in
# the unit of work that records them: handlers/timeline.project_own_event). Releases before
# that bound `ticket.#` here too.
TIMELINE = QueueSpec(
    "ticket.timeline",
    (
        on_events("notification.sent.#"),
        on_events("conversation.message_received.#"),
        on_events("conversation.message_sent.#"),
    ),
    retired=(on_events("ticket.#"),),
)
# Owners are users: `hubspot_owner_id` must name an active one (handlers/owners.py).
DIRECTORY = QueueSpec("ticket.directory", (on_events("user.#"),))
# The channels service's connections (target pipeline, "create tickets"), and the inbound
# messages that open conversations on them: tickets from channels (handlers/conversations.py).
CHANNEL_CONNECTIONS = QueueSpec("ticket.channel-connections", (on_events("channel_connection.#"),))
INBOUND_CONVERSATIONS = QueueSpec(
    "ticket.inbound-conversations", (on_events("conversation.message_received.#"),)
)
# Status-update triggers (email only): emails sent from the ticket record, customers' replies.
TRIGGERS = QueueSpec(
    "ticket.triggers",
    (
        on_events("conversation.message_sent.email"),
        on_events("conversation.message_received.email"),
    ),
)
ACCOUNT_EVENTS = QueueSpec("ticket.account-events", (on_events("account.#"),))
QUEUES = (
    PIPELINE_SNAPSHOTS,
    PROPERTY_DEFINITIONS,
    TICKET_COMMANDS,
    TIMELINE,
    DIRECTORY,
    CHANNEL_CONNECTIONS,
    INBOUND_CONVERSATIONS,
    TRIGGERS,
    ACCOUNT_EVENTS,
)


def build_router(
    runtime: ServiceRuntime, pipeline_wait_seconds: float = PIPELINE_WAIT_SECONDS
) -> RabbitRouter:
    uow = runtime.uow
    snapshots = runtime.consumer(PIPELINE_SNAPSHOTS)
    definitions = runtime.consumer(PROPERTY_DEFINITIONS)
    commands = runtime.consumer(TICKET_COMMANDS)
    timeline = runtime.consumer(TIMELINE)
    directory = runtime.consumer(DIRECTORY)
    connections = runtime.consumer(CHANNEL_CONNECTIONS)
    inbound = runtime.consumer(INBOUND_CONVERSATIONS)
    status_triggers = runtime.consumer(TRIGGERS)
    accounts = runtime.consumer(ACCOUNT_EVENTS)

    subscribe_pipeline_replica(snapshots, uow, PIPELINES)
    subscribe_user_replica(directory, uow)

    @definitions.on(TicketPropertyDefined)
    async def on_ticket_property_defined(event: Envelope[TicketPropertyDefined]) -> None:
        await apply_property_definition(event.payload, uow, definitions.context_of(event))

    @definitions.on(TicketPropertyArchived)
    async def on_ticket_property_archived(event: Envelope[TicketPropertyArchived]) -> None:
        await apply_property_definition(event.payload, uow, definitions.context_of(event))

    @commands.on(CloseStatuses)
    async def on_close_statuses(command: Envelope[CloseStatuses]) -> None:
        await close_statuses(command.payload, uow, commands.context_of(command))

    @timeline.on(ConversationMessageReceived)
    async def on_conversation_message_received(
        event: Envelope[ConversationMessageReceived],
    ) -> None:
        await record_timeline_entry(event, uow, timeline.context_of(event))

    @timeline.on(ConversationMessageSent)
    async def on_conversation_message_sent(event: Envelope[ConversationMessageSent]) -> None:
        await record_timeline_entry(event, uow, timeline.context_of(event))

    @timeline.on(NotificationSent)
    async def on_notification_sent(event: Envelope[NotificationSent]) -> None:
        await record_timeline_entry(event, uow, timeline.context_of(event))

    subscribe_connection_replica(connections, uow, apply_channel_connection)

    @inbound.on(ConversationMessageReceived)
    async def on_inbound_conversation_message(
        event: Envelope[ConversationMessageReceived],
    ) -> None:
        context = inbound.context_of(event)
        await create_conversation_ticket(event, uow, context, pipeline_wait_seconds)

    @status_triggers.on(ConversationMessageSent)
    async def on_email_sent(event: Envelope[ConversationMessageSent]) -> None:
        await triggers.on_message_sent(event, uow, status_triggers.context_of(event))

    @status_triggers.on(ConversationMessageReceived)
    async def on_customer_email(event: Envelope[ConversationMessageReceived]) -> None:
        await triggers.on_message_received(event, uow, status_triggers.context_of(event))

    @accounts.on(AccountCreated)
    async def on_account_created(event: Envelope[AccountCreated]) -> None:
        await triggers.apply_account_created(event.payload, uow, accounts.context_of(event))

    return consumers_router(
        snapshots,
        definitions,
        commands,
        timeline,
        directory,
        connections,
        inbound,
        status_triggers,
        accounts,
    )
