"""The timeline handlers on the in-memory store (and its paging once on SQLite): entries from
the service's own events as the broker delivers them, out of order and duplicated, tenancy, and
who may read a timeline."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import consumed_context, deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    Actor,
    ActorKind,
    Envelope,
    Event,
    GranteeKind,
    PipelineAccess,
    PipelineCreated,
    TicketCreated,
    TicketPropertyDefined,
    TicketUpdated,
    message_class,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.properties import PropertyDefinitionReplica
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.timeline import (
    EntryType,
    PropertyChange,
    PropertyChanges,
    StatusChange,
)
from ticketflow_ticket.handlers.changes import (
    ArchiveTicket,
    UpdateTicket,
    archive_ticket,
    update_ticket,
)
from ticketflow_ticket.handlers.properties import apply_property_definition
from ticketflow_ticket.handlers.tickets import CreateTicket, create_ticket
from ticketflow_ticket.handlers.timeline import ReadTimeline, read_timeline, record_timeline_entry

from .builders import DEFINITIONS, NOW, apply_pipeline_snapshot, pipeline, placed

ADMIN = Requester("boss", is_super_admin=True)
AGENT = Requester("agent")
QUEUE = "ticket.timeline"
SECRET = PipelineAccess(
    restricted=True,
    grants=[
        AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="viewer", level=AccessLevel.VIEW)
    ],
)


def ticking_clock(start: datetime = NOW) -> Callable[[], datetime]:
    """Each unit of work one second after the last, so events have distinct times."""
    moments = (start + timedelta(seconds=n) for n in range(1_000_000))
    return lambda: next(moments)


def typed(envelope: Envelope) -> Envelope[Event]:
    """The envelope as a subscriber receives it: its payload validated into its class."""
    cls = message_class(envelope.type)
    assert cls is not None
    assert issubclass(cls, Event)
    return Envelope[cls].model_validate(envelope.model_dump(mode="json"))  # type: ignore[valid-type]


async def replicate(uow: UnitOfWork, *replicas: PipelineReplica) -> None:
    for replica in replicas:
        event = PipelineCreated(revision=replica.revision, pipeline=replica.pipeline)
        envelope = envelope_of(event, account_id=replica.account_id, occurred_at=NOW)
        await deliver(apply_pipeline_snapshot, uow, envelope, "ticket.pipeline-snapshots")


async def define(uow: UnitOfWork, replica: PropertyDefinitionReplica) -> None:
    event = TicketPropertyDefined(revision=replica.revision, definition=replica.definition)
    envelope = envelope_of(event, account_id=replica.account_id, occurred_at=NOW)
    await deliver(apply_property_definition, uow, envelope, "ticket.property-definitions")


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=ticking_clock())
    await replicate(uow, pipeline(), pipeline("secret", access=SECRET))
    await replicate(uow, pipeline(account_id="a2"))
    await define(uow, DEFINITIONS["severity"])
    return uow


def request(account_id: str = "a1") -> MessageContext:
    return MessageContext.for_request(account_id, None)


async def published(uow: UnitOfWork) -> list[Envelope]:
    """What the relay would publish (and take from the outbox)."""
    entries = await uow.store.outbox_entries()
    await uow.store.remove_from_outbox([e.message.message_id for e in entries])
    return [Envelope.model_validate_json(e.message.body) for e in entries]


async def deliver_to_timeline(
    uow: UnitOfWork, envelopes: list[Envelope], queue: str = QUEUE
) -> None:
    for envelope in envelopes:
        event = typed(envelope)
        await record_timeline_entry(event, uow, consumed_context(event, queue))


async def new_ticket(uow: UnitOfWork, account_id: str = "a1", pipeline_id: str = "p1") -> str:
    properties = placed(pipeline_id, "new", {"subject": "Help"})
    command = CreateTicket(ADMIN, uuid.uuid4().hex[:12], properties)
    ticket = await create_ticket(command, uow, request(account_id))
    return ticket.id


async def entries_of(
    uow: UnitOfWork, ticket_id: str, requester: Requester = ADMIN, account_id: str = "a1"
) -> list[tuple[EntryType, object]]:
    page = await read_timeline(
        ReadTimeline(requester, ticket_id, limit=100), uow, request(account_id)
    )
    return [(e.type, e.details) for e in page.entries]


async def test_a_tickets_events_make_its_timeline_newest_first(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow)
    await update_ticket(
        UpdateTicket(AGENT, ticket_id, {"hs_pipeline_stage": "waiting"}), uow, request()
    )
    await update_ticket(UpdateTicket(AGENT, ticket_id, {"subject": "Help!"}), uow, request())
    await archive_ticket(ArchiveTicket(AGENT, ticket_id), uow, request())

    await deliver_to_timeline(uow, await published(uow))

    page = await read_timeline(ReadTimeline(ADMIN, ticket_id, limit=10), uow, request())
    assert [e.type for e in page.entries] == [
        EntryType.TICKET_ARCHIVED,
        EntryType.PROPERTIES_CHANGED,
        EntryType.STATUS_CHANGED,
        EntryType.TICKET_CREATED,
    ]
    archived, renamed, moved, created = page.entries
    assert renamed.details == PropertyChanges(
        (PropertyChange("subject", "Help!", "Help", old_value_known=True),)
    )
    assert moved.details == StatusChange("p1", "new", "OPEN", "p1", "waiting", "OPEN")
    assert moved.actor == Actor(kind=ActorKind.USER, id="agent")
    assert created.actor == Actor(kind=ActorKind.USER, id="boss")
    assert archived.occurred_at > renamed.occurred_at > moved.occurred_at > created.occurred_at


async def test_out_of_order_and_duplicated_events_give_one_entry_each_in_order(
    uow: UnitOfWork,
) -> None:
    ticket_id = await new_ticket(uow)
    for status in ("waiting", "escalated", "done"):
        changes = {"hs_pipeline_stage": status, "hs_ticket_priority": "HIGH", "severity": "major"}
        await update_ticket(UpdateTicket(ADMIN, ticket_id, changes), uow, request())
    envelopes = await published(uow)
    shuffled = random.Random(7).sample(envelopes, len(envelopes))

    await deliver_to_timeline(uow, shuffled)
    for envelope in shuffled:  # redelivered to this queue: the inbox drops them
        with pytest.raises(DuplicateMessage):
            await deliver_to_timeline(uow, [envelope])
    for envelope in shuffled:  # the same events again under another inbox key
        await deliver_to_timeline(uow, [envelope], queue="another")

    page = await read_timeline(ReadTimeline(ADMIN, ticket_id, limit=100), uow, request())
    assert sorted(e.id for e in page.entries) == sorted(str(e.message_id) for e in envelopes)
    statuses = [e.details.to_status_id for e in page.entries if isinstance(e.details, StatusChange)]
    assert statuses == ["done", "escalated", "waiting"]
    times = [e.occurred_at for e in page.entries]
    assert times == sorted(times, reverse=True)


async def test_the_timeline_pages_through_every_entry_once(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow)
    for n in range(6):
        await update_ticket(UpdateTicket(ADMIN, ticket_id, {"subject": f"v{n}"}), uow, request())
    await deliver_to_timeline(uow, await published(uow))

    seen: list[str] = []
    after: str | None = None
    while True:
        page = await read_timeline(
            ReadTimeline(ADMIN, ticket_id, limit=3, after=after), uow, request()
        )
        seen += [e.id for e in page.entries]
        if page.after is None:
            break
        after = page.after

    assert len(seen) == len(set(seen)) == 7
    whole = await read_timeline(ReadTimeline(ADMIN, ticket_id, limit=100), uow, request())
    assert seen == [e.id for e in whole.entries]


async def test_entries_of_another_accounts_ticket_with_the_same_id_never_mix(
    uow: UnitOfWork,
) -> None:
    ticket_id = await new_ticket(uow)
    created = TicketCreated(
        ticket_id=ticket_id, pipeline_id="p1", status_id="new", created_at=NOW, subject="Theirs"
    )
    foreign = envelope_of(created, account_id="a2", occurred_at=NOW)
    await deliver_to_timeline(uow, [*await published(uow), foreign])

    ours = await entries_of(uow, ticket_id)

    assert [kind for kind, _ in ours] == [EntryType.TICKET_CREATED]
    assert all(getattr(details, "subject", None) == "Help" for _, details in ours)
    with pytest.raises(TicketNotFound):
        await entries_of(uow, ticket_id, account_id="a2")


async def test_a_timeline_follows_its_tickets_visibility(uow: UnitOfWork) -> None:
    secret_ticket = await new_ticket(uow, pipeline_id="secret")
    await deliver_to_timeline(uow, await published(uow))

    assert len(await entries_of(uow, secret_ticket, Requester("viewer"))) == 1
    with pytest.raises(TicketNotFound):
        await entries_of(uow, secret_ticket, AGENT)
    with pytest.raises(TicketNotFound):
        await entries_of(uow, "no-such-ticket")


async def test_an_unrestricted_pipeline_shows_every_user_the_timeline(uow: UnitOfWork) -> None:
    await replicate(uow, pipeline("open", access=PipelineAccess(), revision=1))
    ticket_id = await new_ticket(uow, pipeline_id="open")
    await deliver_to_timeline(uow, await published(uow))

    assert [kind for kind, _ in await entries_of(uow, ticket_id, AGENT)] == [
        EntryType.TICKET_CREATED
    ]


@pytest.fixture
async def sqlite_uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    store = SqliteStore(tmp_path / "ticket.sqlite3")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=ticking_clock())
    await replicate(uow, pipeline())
    try:
        yield uow
    finally:
        await store.close()


def renamed_at(ticket_id: str, moment: datetime, subject: str) -> Envelope:
    updated = TicketUpdated(
        ticket_id=ticket_id,
        pipeline_id="p1",
        status_id="new",
        properties={"subject": subject},
        actor=Actor(kind=ActorKind.USER, id="boss"),
        updated_at=moment,
    )
    return envelope_of(updated, occurred_at=moment)


async def test_on_sqlite_pages_run_newest_first_and_equal_times_by_id_descending(
    sqlite_uow: UnitOfWork,
) -> None:
    uow = sqlite_uow
    ticket_id = await new_ticket(uow)
    later = NOW + timedelta(hours=1)
    same_moment = [renamed_at(ticket_id, later, f"v{n}") for n in range(4)]
    await deliver_to_timeline(uow, [*same_moment, *await published(uow)])

    seen: list[str] = []
    after: str | None = None
    while True:
        page = await read_timeline(
            ReadTimeline(ADMIN, ticket_id, limit=2, after=after), uow, request()
        )
        seen += [e.id for e in page.entries]
        if page.after is None:
            break
        after = page.after

    # Ties follow the sort's direction (port.ordering): the index is read backwards.
    assert seen[:4] == sorted((str(e.message_id) for e in same_moment), reverse=True)
    assert len(seen) == 5
