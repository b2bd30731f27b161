"""The ticket service's subscribers on the in-memory test broker: snapshots and definitions
reach their replicas, the retirement command is answered, every timeline event makes its
entry, and poison is parked."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET, envelope_of, subscribers_under_test
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    ActionKind,
    Actor,
    ActorKind,
    ChannelType,
    CloseStatuses,
    ConversationMessageReceived,
    ConversationMessageSent,
    Event,
    NotificationRecipient,
    NotificationRecipientKind,
    NotificationSent,
    PipelineCreated,
    PipelineDeleted,
    PipelineUpdated,
    StatusesClosed,
    TicketArchived,
    TicketCreated,
    TicketPropertyArchived,
    TicketPropertyDefined,
    TicketState,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.adapters.repository import COLLECTIONS, TicketRepository
from ticketflow_ticket.adapters.timeline_repository import TimelineRepository
from ticketflow_ticket.app import PUBLISHES
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.timeline import EntryType
from ticketflow_ticket.entrypoints.subscribers import (
    PIPELINE_SNAPSHOTS,
    PROPERTY_DEFINITIONS,
    QUEUES,
    TICKET_COMMANDS,
    TIMELINE,
    build_router,
)
from ticketflow_ticket.handlers.tickets import CreateTicket, create_ticket
from ticketflow_ticket.handlers.timeline import project_own_event
from ticketflow_ticket.settings import TicketSettings

from .builders import NOW, definition, pipeline, placed

ADMIN = Requester("u1", is_super_admin=True)
AUTOMATION = Actor(kind=ActorKind.AUTOMATION, id="test")
CLOSED, REFUSED = "ticket.statuses_closed", "ticket.statuses_close_refused"


def ticket_service() -> ServiceRuntime:
    settings = TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)


def request() -> MessageContext:
    return MessageContext.for_request("a1")


def pipeline_created() -> PipelineCreated:
    replica = pipeline()
    return PipelineCreated(revision=replica.revision, pipeline=replica.pipeline)


def close_statuses(status_id: str = "new") -> CloseStatuses:
    return CloseStatuses(retirement_id=str(uuid.uuid4()), pipeline_id="p1", status_ids=[status_id])


async def answers(runtime: ServiceRuntime) -> list[tuple[str, dict[str, Any]]]:
    """The saga answers in the outbox: (routing key, payload)."""
    entries = await runtime.store.outbox_entries()
    return [
        (e.message.routing_key, json.loads(e.message.body)["payload"])
        for e in entries
        if e.message.routing_key in (CLOSED, REFUSED)
    ]


# -- replicas ---------------------------------------------------------------------------------


async def test_created_updated_and_deleted_pipelines_each_reach_the_replica() -> None:
    runtime = ticket_service()
    first = pipeline().pipeline
    renamed = first.model_copy(update={"label": "Renamed"})
    events = [
        PipelineCreated(revision=1, pipeline=first),
        PipelineUpdated(revision=2, pipeline=renamed),
        PipelineDeleted(revision=3, pipeline=renamed.model_copy(update={"archived": True})),
    ]
    held = []
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        for event in events:
            await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(event, account_id="a1"))
            async with runtime.uow.begin(request()) as session:
                replica = await TicketRepository(session).pipeline("a1", "p1")
            assert replica is not None
            held.append((replica.revision, replica.pipeline.label, replica.pipeline.archived))

    assert held == [(1, "P1", False), (2, "Renamed", False), (3, "Renamed", True)]


async def test_defined_and_archived_properties_each_reach_the_definition_replica() -> None:
    runtime = ticket_service()
    defined = definition("severity", revision=1)
    archived = definition("severity", revision=2, archived=True)
    events = [
        TicketPropertyDefined(revision=1, definition=defined.definition),
        TicketPropertyArchived(revision=2, definition=archived.definition),
    ]
    held = []
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        for event in events:
            await subscribers.publish(PROPERTY_DEFINITIONS, envelope_of(event, account_id="a1"))
            async with runtime.uow.begin(request()) as session:
                found = await PropertyDefinitionRepository(session).definitions("a1", ["severity"])
            held.append((found["severity"].revision, found["severity"].definition.archived))

    assert held == [(1, False), (2, True)]


# -- the retirement saga's command ------------------------------------------------------------


async def test_a_close_statuses_command_answers_with_the_statuses_closed() -> None:
    runtime = ticket_service()
    command = close_statuses()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(pipeline_created()))
        await subscribers.publish(TICKET_COMMANDS, envelope_of(command, account_id="a1"))
        answered = await answers(runtime)

    [(key, answer)] = answered
    assert key == CLOSED
    assert (answer["retirement_id"], answer["moved_ticket_count"]) == (command.retirement_id, 0)


async def test_a_close_statuses_command_on_a_status_holding_tickets_answers_refused() -> None:
    runtime = ticket_service()
    command = close_statuses()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(pipeline_created()))
        ticket = CreateTicket(ADMIN, "t1", placed("p1", "new", {"subject": "Help"}))
        await create_ticket(ticket, runtime.uow, request())
        await subscribers.publish(TICKET_COMMANDS, envelope_of(command, account_id="a1"))
        answered = await answers(runtime)

    [(key, answer)] = answered
    assert key == REFUSED
    assert (answer["retirement_id"], answer["ticket_count"]) == (command.retirement_id, 1)


# -- the timeline -----------------------------------------------------------------------------

# This service's own events: their entries are written by the unit of work recording them.
OWN_EVENTS: list[tuple[Event, EntryType]] = [
    (
        TicketCreated(ticket_id="t1", pipeline_id="p1", status_id="new", created_at=NOW),
        EntryType.TICKET_CREATED,
    ),
    (
        TicketStatusChanged(
            ticket_id="t1",
            pipeline_id="p1",
            from_status_id="new",
            from_state=TicketState.OPEN,
            to_status_id="done",
            to_state=TicketState.CLOSED,
            actor=AUTOMATION,
            changed_at=NOW,
        ),
        EntryType.STATUS_CHANGED,
    ),
    (
        TicketUpdated(
            ticket_id="t1",
            pipeline_id="p1",
            status_id="new",
            properties={"subject": "Help!"},
            previous_properties={"subject": "Help"},
            actor=AUTOMATION,
            updated_at=NOW,
        ),
        EntryType.PROPERTIES_CHANGED,
    ),
    (
        TicketArchived(
            ticket_id="t1", pipeline_id="p1", status_id="new", actor=AUTOMATION, archived_at=NOW
        ),
        EntryType.TICKET_ARCHIVED,
    ),
]
# Other services' events, from the broker.
TIMELINE_EVENTS: list[tuple[Event, EntryType]] = [
    (
        ConversationMessageReceived(
            message_id="m1",
            thread_id="th1",
            channel=ChannelType.EMAIL,
            ticket_id="t1",
            excerpt="Hello",
            received_at=NOW,
        ),
        EntryType.MESSAGE_RECEIVED,
    ),
    (
        ConversationMessageSent(
            message_id="m2",
            thread_id="th1",
            channel=ChannelType.EMAIL,
            ticket_id="t1",
            excerpt="Hi",
            sent_at=NOW,
        ),
        EntryType.MESSAGE_SENT,
    ),
    (
        NotificationSent(
            delivery_id="d1",
            ticket_id="t1",
            kind=ActionKind.CUSTOMER_EMAIL,
            recipient=NotificationRecipient(
                kind=NotificationRecipientKind.CONTACT, address="ada@acme.test"
            ),
            sent_at=NOW,
        ),
        EntryType.NOTIFICATION_SENT,
    ),
]


@pytest.mark.parametrize(
    ("event", "entry_type"), TIMELINE_EVENTS, ids=[e.message_type() for e, _ in TIMELINE_EVENTS]
)
async def test_each_timeline_event_makes_its_entry_on_the_tickets_timeline(
    event: Event, entry_type: EntryType
) -> None:
    runtime = ticket_service()
    envelope = envelope_of(event, account_id="a1", occurred_at=NOW)
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(TIMELINE, envelope)
        async with runtime.uow.begin(request()) as session:
            entries, _ = await TimelineRepository(session).page("a1", "t1", limit=10, after=None)

    assert [(e.id, e.type) for e in entries] == [(str(envelope.message_id), entry_type)]


@pytest.mark.parametrize(
    ("event", "entry_type"), OWN_EVENTS, ids=[e.message_type() for e, _ in OWN_EVENTS]
)
async def test_each_own_event_makes_its_entry_in_the_unit_of_work_that_records_it(
    event: Event, entry_type: EntryType
) -> None:
    runtime = ticket_service()
    runtime.uow.project_with(project_own_event)
    await runtime.store.open(COLLECTIONS)
    async with runtime.uow.begin(MessageContext("a1", uuid.uuid4())) as session:
        envelope = await session.record(event)
    async with runtime.uow.read(request()) as session:
        entries, _ = await TimelineRepository(session).page("a1", "t1", limit=10, after=None)

    assert [(e.id, e.type) for e in entries] == [(str(envelope.message_id), entry_type)]


async def test_an_own_event_the_old_binding_still_delivers_is_ignored() -> None:
    """A `ticket.timeline` queue declared by an earlier release keeps `ticket.#` until the
    new release's start-up retires it; what it delivered meanwhile makes no second entry."""
    runtime = ticket_service()
    event, _ = OWN_EVENTS[0]
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(TIMELINE, envelope_of(event, account_id="a1"))
        parked = subscribers.parked[TIMELINE.name]
        async with runtime.uow.read(request()) as session:
            entries, _ = await TimelineRepository(session).page("a1", "t1", limit=10, after=None)

    assert (parked, entries) == ([], [])


# -- poison -----------------------------------------------------------------------------------


async def test_poison_is_parked_and_a_later_command_is_still_answered() -> None:
    runtime = ticket_service()
    body = envelope_of(close_statuses(), account_id="a1").model_dump(mode="json")
    del body["payload"]["status_ids"]
    invalid = json.dumps(body).encode()
    command = close_statuses()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(pipeline_created()))
        await subscribers.publish(TICKET_COMMANDS, b"{not json")
        await subscribers.publish(TICKET_COMMANDS, invalid)
        await subscribers.publish(TICKET_COMMANDS, envelope_of(command, account_id="a1"))
        parked = subscribers.parked[TICKET_COMMANDS.name]
        answered = await answers(runtime)

    assert parked == [b"{not json", invalid]
    assert [(key, answer["retirement_id"]) for key, answer in answered] == [
        (CLOSED, command.retirement_id)
    ]


async def test_a_ticket_event_the_timeline_has_no_subscriber_for_is_ignored() -> None:
    runtime = ticket_service()
    # A queue an earlier release bound to `ticket.#` receives the saga's answers too.
    answer = StatusesClosed(retirement_id="r1", pipeline_id="p1", status_ids=["new"])
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(TIMELINE, envelope_of(answer, account_id="a1"))
        parked = subscribers.parked[TIMELINE.name]

    assert parked == []
