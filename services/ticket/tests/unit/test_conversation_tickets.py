"""Tickets from connected channels, on the in-memory store: which inbound messages create a
ticket and which do not, where it goes, exactly one per conversation (redelivered, or raced
by two instances), later messages on its timeline, and its associations read over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import Eq, Query
from ticketflow_chassis.testing import consumed_context, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    ActorKind,
    ChannelConnectionConnected,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
    ConversationMessageReceived,
    Envelope,
    MatchedBy,
    MessageClassification,
    Participant,
    PipelineRules,
    ThreadRelation,
    TicketCreated,
    TicketState,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS, TICKETS
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.conversations import NO_SUBJECT, opened_its_thread, subject_of
from ticketflow_ticket.domain.errors import ReplicaBehind
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.timeline import EntryType, MessageLink
from ticketflow_ticket.entrypoints.http import build_api_router
from ticketflow_ticket.handlers.conversations import (
    apply_channel_connection,
    create_conversation_ticket,
)
from ticketflow_ticket.handlers.timeline import (
    ReadTimeline,
    project_own_event,
    read_timeline,
    record_timeline_entry,
)

from .builders import NOW, pipeline
from .queries_support import TOKENS, http_client
from .test_http import bearer
from .test_timeline_handlers import replicate

INBOUND = "ticket.inbound-conversations"
TIMELINE = "ticket.timeline"
ADMIN = Requester("boss", is_super_admin=True)
STATUSES = {
    "triage": (TicketState.OPEN, ("severity",)),  # required: automation is not bound
    "new": (TicketState.OPEN, ()),
    "done": (TicketState.CLOSED, ()),
}


def connection(**changes: Any) -> ChannelConnectionSnapshot:
    fields: dict[str, Any] = {
        "id": "c1",
        "type": ChannelType.EMAIL,
        "address": "help@acme.test",
        "pipeline_id": "p1",
        "create_tickets": True,
        "connected": True,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return ChannelConnectionSnapshot(**(fields | changes))


def message(**changes: Any) -> Envelope[ConversationMessageReceived]:
    fields: dict[str, Any] = {
        "message_id": "m1",
        "thread_id": "conv-1",
        "channel": ChannelType.EMAIL,
        "channel_connection_id": "c1",
        "sender": Participant(name="Ann", address="ann@example.test"),
        "subject": "Printer on fire",
        "excerpt": "It is on fire.",
        "text": "It is on fire.\nPlease help.",
        "contact_id": "501",
        "thread_relation": ThreadRelation.NEW_THREAD,
        "classification": MessageClassification.NEW,
        "matched_by": MatchedBy.NONE,
        "received_at": NOW,
    }
    return envelope_of(ConversationMessageReceived(**(fields | changes)), occurred_at=NOW)


async def connect(uow: UnitOfWork, snapshot: ChannelConnectionSnapshot, revision: int = 1) -> None:
    kind = ChannelConnectionConnected if revision == 1 else ChannelConnectionUpdated
    envelope = envelope_of(kind(revision=revision, connection=snapshot))
    context = consumed_context(envelope, "ticket.channel-connections")
    await apply_channel_connection(envelope.payload, uow, context)


async def ready(store: MemoryStore | None = None) -> UnitOfWork:
    store = store or MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    uow.project_with(project_own_event)  # as the app does: its own events on the timeline
    await replicate(uow, pipeline("p1", STATUSES))
    await connect(uow, connection())
    return uow


@pytest.fixture
async def uow() -> UnitOfWork:
    return await ready()


async def handle(
    uow: UnitOfWork, envelope: Envelope[ConversationMessageReceived], wait: float = 0.0
) -> Ticket | None:
    context = consumed_context(envelope, INBOUND)
    return await create_conversation_ticket(envelope, uow, context, pipeline_wait_seconds=wait)


async def tickets_of(uow: UnitOfWork) -> list[str]:
    """The ids of account a1's tickets."""
    async with uow.read(MessageContext.for_request("a1")) as session:
        page = await session.find(TICKETS, Query((Eq("account_id", "a1"),), limit=100))
    return [doc["id"] for doc in page.items]


async def published_created(uow: UnitOfWork) -> list[TicketCreated]:
    entries = await uow.store.outbox_entries()
    envelopes = [Envelope.model_validate_json(e.message.body) for e in entries]
    return [
        TicketCreated.model_validate(e.payload) for e in envelopes if e.type == "ticket.created"
    ]


# -- which messages create a ticket ---------------------------------------------------------


async def test_a_new_email_on_a_connection_that_creates_tickets_creates_one(
    uow: UnitOfWork,
) -> None:
    ticket = await handle(uow, message())

    assert ticket is not None
    assert ticket.pipeline_id == "p1"
    assert ticket.subject == "Printer on fire"
    assert ticket.values["content"] == "It is on fire.\nPlease help."
    assert ticket.values["source_type"] == "EMAIL"
    assert (ticket.contact_id, ticket.conversation_id) == ("501", "conv-1")
    [created] = await published_created(uow)
    assert (created.conversation_id, created.contact_id) == ("conv-1", "501")
    assert created.actor is not None
    assert created.actor.kind is ActorKind.AUTOMATION
    assert created.created_by is None
    assert created.source_channel() == "email"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"classification": MessageClassification.AUTO_REPLY}, id="auto-reply"),
        pytest.param({"classification": MessageClassification.BOUNCE}, id="bounce"),
        pytest.param({"automated": True}, id="automated"),
        pytest.param(
            {"classification": MessageClassification.REPLY, "matched_by": MatchedBy.IN_REPLY_TO},
            id="reply",
        ),
        pytest.param({"channel_connection_id": "unknown"}, id="unknown-connection"),
        pytest.param({"channel_connection_id": None}, id="no-connection"),
        pytest.param(
            {"classification": None, "matched_by": None, "thread_relation": ThreadRelation.OTHER},
            id="v1-other",
        ),
    ],
)
async def test_these_messages_create_no_ticket(uow: UnitOfWork, changes: dict[str, Any]) -> None:
    assert await handle(uow, message(**changes)) is None
    assert await tickets_of(uow) == []


async def test_a_forward_that_opens_a_thread_and_a_v1_new_thread_create_tickets(
    uow: UnitOfWork,
) -> None:
    forward = message(classification=MessageClassification.FORWARD)
    v1 = message(
        message_id="m2", thread_id="conv-2", classification=None, matched_by=None
    )  # a v1 event: thread_relation new_thread

    assert await handle(uow, forward) is not None
    assert await handle(uow, v1) is not None


async def test_switching_creation_off_stops_new_tickets_from_then_on(uow: UnitOfWork) -> None:
    assert await handle(uow, message()) is not None
    await connect(uow, connection(create_tickets=False), revision=2)

    assert await handle(uow, message(message_id="m2", thread_id="conv-2")) is None
    assert len(await tickets_of(uow)) == 1


async def test_a_disconnected_connection_creates_none(uow: UnitOfWork) -> None:
    await connect(uow, connection(connected=False), revision=2)
    await connect(uow, connection(), revision=1)  # an older revision, late: not applied

    assert await handle(uow, message()) is None


def test_a_message_without_subject_is_named_by_its_text_or_no_subject() -> None:
    long_text = "word " * 40
    assert subject_of(message(subject=None).payload) == "It is on fire. Please help."
    assert subject_of(message(subject=None, text=long_text).payload).endswith("…")
    assert subject_of(message(subject="  ", text="", excerpt="").payload) == NO_SUBJECT
    assert not opened_its_thread(message(matched_by=MatchedBy.TOKEN_SUBJECT).payload)


# -- where it goes -----------------------------------------------------------------------------


async def test_it_starts_in_the_first_open_status_unbound_by_its_required_properties(
    uow: UnitOfWork,
) -> None:
    ticket = await handle(uow, message())
    assert ticket is not None
    assert ticket.status_id == "triage"


async def test_it_starts_in_the_pipelines_first_creation_status() -> None:
    uow = await ready()
    rules = PipelineRules(creation_status_ids=["new"])
    await replicate(uow, pipeline("p1", STATUSES, rules=rules, revision=2))

    ticket = await handle(uow, message())
    assert ticket is not None
    assert ticket.status_id == "new"


async def test_an_unknown_pipeline_is_waited_for_then_retried() -> None:
    uow = await ready()
    await connect(uow, connection(pipeline_id="later"), revision=2)

    with pytest.raises(ReplicaBehind):
        await handle(uow, message(), wait=0.05)

    async def replicate_soon() -> None:
        await asyncio.sleep(0.05)
        await replicate(uow, pipeline("later", STATUSES))

    ticket, _ = await asyncio.gather(handle(uow, message(), wait=2.0), replicate_soon())
    assert ticket is not None
    assert ticket.pipeline_id == "later"


# -- exactly one -------------------------------------------------------------------------------


async def test_the_same_message_handled_twice_makes_one_ticket(uow: UnitOfWork) -> None:
    envelope = message()
    assert await handle(uow, envelope) is not None
    assert await handle(uow, envelope) is None  # redelivered: its conversation has its ticket
    assert len(await tickets_of(uow)) == 1
    assert len(await published_created(uow)) == 1


async def test_two_envelopes_of_the_same_thread_racing_make_one_ticket() -> None:
    store = MemoryStore(snapshot_isolation=True)
    uow = await ready(store)
    first, second = message(), message()  # the same message published twice (two relays)

    with store.overlapping(2):
        results = await asyncio.gather(handle(uow, first), handle(uow, second))

    assert sum(r is not None for r in results) == 1
    assert len(await tickets_of(uow)) == 1
    assert len(await published_created(uow)) == 1


# -- the conversation on the ticket's timeline ----------------------------------------------


async def timeline_of(uow: UnitOfWork, ticket_id: str) -> list[tuple[EntryType, object]]:
    command = ReadTimeline(ADMIN, ticket_id, limit=100)
    page = await read_timeline(command, uow, MessageContext.for_request("a1"))
    return [(e.type, e.details) for e in page.entries]


async def to_timeline(uow: UnitOfWork, envelope: Envelope[ConversationMessageReceived]) -> None:
    await record_timeline_entry(envelope, uow, consumed_context(envelope, TIMELINE))


async def test_the_opening_message_and_later_ones_show_on_the_tickets_timeline(
    uow: UnitOfWork,
) -> None:
    opening = message()
    await to_timeline(uow, opening)  # the timeline queue first: no ticket yet, no entry
    ticket = await handle(uow, opening)  # the creation shows the opening message
    assert ticket is not None
    with pytest.raises(DuplicateMessage):  # redelivered to the timeline: the inbox drops it
        await to_timeline(uow, opening)
    reply = message(
        message_id="m2",
        classification=MessageClassification.REPLY,
        matched_by=MatchedBy.IN_REPLY_TO,
        subject="Re: Printer on fire",
    )
    await to_timeline(uow, reply)

    entries = await timeline_of(uow, ticket.id)
    messages = [d for t, d in entries if isinstance(d, MessageLink)]
    assert sorted(m.message_id for m in messages) == ["m1", "m2"]
    assert {m.thread_id for m in messages} == {"conv-1"}
    assert EntryType.TICKET_CREATED in [t for t, _ in entries]


async def test_the_opening_message_shows_once_when_the_timeline_sees_it_after_the_creation(
    uow: UnitOfWork,
) -> None:
    opening = message()
    ticket = await handle(uow, opening)
    assert ticket is not None
    await to_timeline(uow, opening)

    entries = await timeline_of(uow, ticket.id)
    assert [t for t, _ in entries].count(EntryType.MESSAGE_RECEIVED) == 1


async def test_a_message_of_a_conversation_without_ticket_makes_no_entry(uow: UnitOfWork) -> None:
    await to_timeline(uow, message(thread_id="conv-9"))
    assert await tickets_of(uow) == []


# -- associations over HTTP --------------------------------------------------------------------


async def test_reading_the_ticket_with_associations_lists_its_contact_and_conversation(
    uow: UnitOfWork,
) -> None:
    ticket = await handle(uow, message())
    assert ticket is not None
    path = f"/crm/v3/objects/tickets/{ticket.id}"

    async with http_client(uow, build_api_router(uow, TOKENS)) as client:
        plain = (await client.get(path, headers=bearer("a1"))).json()
        both = {"associations": "contacts,conversations"}
        linked = (await client.get(path, params=both, headers=bearer("a1"))).json()
        contacts = {"associations": "contacts"}
        listed = await client.get("/crm/v3/objects/tickets", params=contacts, headers=bearer("a1"))

    assert "associations" not in plain
    assert linked["associations"] == {
        "contacts": {"results": [{"id": "501", "type": "ticket_to_contact"}]},
        "conversations": {"results": [{"id": "conv-1", "type": "ticket_to_conversation"}]},
    }
    assert listed.json()["results"][0]["associations"] == {
        "contacts": {"results": [{"id": "501", "type": "ticket_to_contact"}]}
    }
