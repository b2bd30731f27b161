"""The unit of work commits documents, outbox and inbox together, or nothing; a read-only
one writes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ticketflow_chassis.retry import CONFLICT_ATTEMPTS
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import (
    Collection,
    ConflictError,
    Eq,
    Index,
    Query,
    ReadOnlyError,
    SortKey,
    TransientStoreError,
)
from ticketflow_chassis.uow import (
    DuplicateMessage,
    MessageContext,
    Session,
    UndeclaredMessage,
    UnitOfWork,
)
from ticketflow_contracts import AccountCreated, Event, Tier

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def account_created() -> AccountCreated:
    return AccountCreated(
        account_id="a1",
        name="Acme",
        tier=Tier.FREE,
        admin_user_id="u1",
        admin_email="ada@acme.test",
        created_at=NOW,
    )


@pytest.fixture
async def store() -> MemoryStore:
    store = MemoryStore()
    await store.open([Collection("things")])
    return store


def context(inbox_key: str | None = None) -> MessageContext:
    return MessageContext("a1", uuid.uuid4(), uuid.uuid4(), inbox_key)


async def test_commit_writes_the_document_and_the_enveloped_event(store: MemoryStore) -> None:
    woken: list[bool] = []
    uow = UnitOfWork(store, "pipeline", on_commit=lambda: woken.append(True), clock=lambda: NOW)
    ctx = context()

    async with uow.begin(ctx) as session:
        await session.put("things", {"id": "t1"}, expected_version=None)
        await session.record(account_created())

    [entry] = await store.outbox_entries()
    envelope = json.loads(entry.message.body)
    assert entry.message.exchange == "ticketflow.events"
    assert entry.message.routing_key == "account.created"
    assert envelope["type"] == "account.created"
    assert envelope["producer"] == "pipeline"
    assert envelope["account_id"] == "a1"
    assert envelope["correlation_id"] == str(ctx.correlation_id)
    assert envelope["causation_id"] == str(ctx.causation_id)
    assert envelope["occurred_at"].startswith("2026-11-25T12:00:00")
    assert envelope["payload"]["name"] == "Acme"
    async with store.transaction() as tx:
        assert (await tx.get("things", "t1")) is not None
    assert woken == [True]


async def test_an_error_rolls_back_document_outbox_and_inbox(store: MemoryStore) -> None:
    uow = UnitOfWork(store, "pipeline")

    async def fail_after_writing() -> None:
        async with uow.begin(context("q:m1")) as session:
            await session.put("things", {"id": "t1"}, expected_version=None)
            await session.record(account_created())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_after_writing()

    assert await store.outbox_entries() == []
    async with store.transaction() as tx:
        assert await tx.get("things", "t1") is None
        assert await tx.mark_processed("q:m1") is True


async def test_a_redelivered_message_is_refused_before_any_effect(store: MemoryStore) -> None:
    uow = UnitOfWork(store, "ticket")
    async with uow.begin(context("q:m1")) as session:
        await session.put("things", {"id": "t1"}, expected_version=None)

    with pytest.raises(DuplicateMessage):
        async with uow.begin(context("q:m1")) as session:
            await session.put("things", {"id": "t2"}, expected_version=None)

    async with store.transaction() as tx:
        assert await tx.get("things", "t2") is None


async def test_the_relay_is_not_woken_when_nothing_was_recorded(store: MemoryStore) -> None:
    woken: list[bool] = []
    uow = UnitOfWork(store, "ticket", on_commit=lambda: woken.append(True))
    async with uow.begin(context()) as session:
        await session.put("things", {"id": "t1"}, expected_version=None)
    assert woken == []


async def test_find_all_pages_through_every_match_in_order() -> None:
    store = MemoryStore()
    await store.open(
        [
            Collection(
                "things",
                (Index(("kind", "rank")),),
                field_types={"kind": "string", "rank": "number"},
            )
        ]
    )
    uow = UnitOfWork(store, "demo")
    async with uow.begin(context()) as session:
        for n in range(7):
            await session.put(
                "things", {"id": f"t{n}", "kind": "a", "rank": n}, expected_version=None
            )
        await session.put("things", {"id": "x", "kind": "b", "rank": 0}, expected_version=None)

    async with uow.begin(context()) as session:
        query = Query((Eq("kind", "a"),), (SortKey("rank"),), limit=3)
        found = [doc["id"] async for doc in session.find_all("things", query)]

    assert found == [f"t{n}" for n in range(7)]


class Counter:
    """A minimal aggregate: its state, the version it was read at, its recorded events."""

    def __init__(self, version: int | None = None):
        self.version = version
        self.events: list[AccountCreated] = []


async def test_saving_an_aggregate_writes_it_records_its_events_and_clears_them(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "test", clock=lambda: NOW)
    counter = Counter()
    counter.events.append(account_created())
    async with uow.begin(context()) as session:
        stored = await session.save("things", counter, {"id": "c1", "count": 1})

    assert counter.version == stored["version"]
    assert counter.events == []
    assert [entry.message.routing_key for entry in await store.outbox_entries()] == [
        "account.created"
    ]
    async with uow.begin(context()) as session:
        assert (await session.get("things", "c1") or {})["count"] == 1


async def test_saving_an_aggregate_read_at_an_old_version_conflicts_and_records_nothing(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "test", clock=lambda: NOW)
    async with uow.begin(context()) as session:
        await session.save("things", Counter(), {"id": "c1", "count": 1})
    stale = Counter(version=None)
    stale.events.append(account_created())

    with pytest.raises(ConflictError):
        async with uow.begin(context()) as session:
            await session.save("things", stale, {"id": "c1", "count": 2})

    assert await store.outbox_entries() == []


async def test_recording_a_message_the_service_does_not_declare_is_refused(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "test", publishes=frozenset({"pipeline.created"}))

    async def write_and_record() -> None:
        async with uow.begin(context()) as session:
            await session.put("things", {"id": "c1"}, expected_version=None)
            await session.record(account_created())

    with pytest.raises(UndeclaredMessage, match=r"test records account\.created"):
        await write_and_record()

    assert await store.outbox_entries() == []
    async with uow.begin(context()) as session:
        assert await session.get("things", "c1") is None


async def test_a_read_only_unit_of_work_reads_and_refuses_every_write(store: MemoryStore) -> None:
    woken: list[bool] = []
    uow = UnitOfWork(store, "test", on_commit=lambda: woken.append(True), clock=lambda: NOW)
    async with uow.begin(context()) as session:
        await session.put("things", {"id": "t1"}, expected_version=None)
    attempts: list[Callable[[Session], Awaitable[Any]]] = [
        lambda s: s.put("things", {"id": "t2"}, expected_version=None),
        lambda s: s.save("things", Counter(version=1), {"id": "t1"}),
        lambda s: s.delete("things", "t1", expected_version=1),
        lambda s: s.record(account_created()),
    ]
    for attempt in attempts:
        async with uow.read(context("q:m1")) as session:
            assert await session.get("things", "t1") == {"id": "t1", "version": 1}
            with pytest.raises(ReadOnlyError):
                await attempt(session)

    assert await store.outbox_entries() == []
    assert woken == []
    async with store.transaction() as tx:
        assert await tx.get("things", "t2") is None
        assert await tx.get("things", "t1") == {"id": "t1", "version": 1}
        assert await tx.mark_processed("q:m1") is True  # a read writes no inbox mark


async def test_retrying_runs_the_work_again_after_a_transient_abort(store: MemoryStore) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    attempts = 0

    async def put_once(doc_id: str) -> str:
        nonlocal attempts
        attempts += 1
        async with uow.begin(context("m-1")) as session:
            await session.put("things", {"id": doc_id}, expected_version=None)
            if attempts == 1:
                raise TransientStoreError("the primary stepped down")
        return doc_id

    assert await uow.retrying(put_once, "t1") == "t1"
    assert attempts == 2
    async with store.read() as tx:
        assert await tx.get("things", "t1") == {"id": "t1", "version": 1}


async def test_retrying_inside_retrying_runs_once_and_leaves_repeating_to_the_outer(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    inner_runs = outer_runs = 0

    async def inner() -> None:
        nonlocal inner_runs
        inner_runs += 1
        raise ConflictError("things", "t1", 1, 2)

    async def outer() -> None:
        nonlocal outer_runs
        outer_runs += 1
        await uow.retrying(inner)

    with pytest.raises(ConflictError):
        await uow.retrying(outer)
    assert inner_runs == outer_runs == CONFLICT_ATTEMPTS


async def test_retrying_does_not_repeat_a_refusal(store: MemoryStore) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    runs = 0

    async def refuse() -> None:
        nonlocal runs
        runs += 1
        raise ValueError("a business rule said no")

    with pytest.raises(ValueError, match="said no"):
        await uow.retrying(refuse)
    assert runs == 1


class ThingRenamed(Event):
    prefix = "thing"
    thing_id: str


class ThingsCounted(Event):
    prefix = "thing"
    total: int


async def test_a_message_is_ordered_by_its_account_and_the_aggregate_it_is_about(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    async with uow.begin(context()) as session:
        await session.record(ThingRenamed(thing_id="t1"))
        await session.record(ThingsCounted(total=3))
        await session.record(account_created())

    assert [e.message.ordering_key for e in await store.outbox_entries()] == [
        "a1/thing/t1",
        "a1",  # about no one thing: the account's
        "a1/account/a1",
    ]


async def test_a_projection_writes_with_the_recording_unit_and_rolls_back_with_it(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)

    async def keep_account_names(session: Session, envelope: Any, message: Any) -> None:
        if isinstance(message, AccountCreated):
            doc = {"id": str(envelope.message_id), "name": message.name}
            await session.put("things", doc, expected_version=None)

    async def record_then_fail() -> None:
        async with uow.begin(context()) as session:
            await session.record(account_created())
            raise RuntimeError("the handler failed after recording")

    uow.project_with(keep_account_names)
    async with uow.begin(context()) as session:
        recorded = await session.record(account_created())
    with pytest.raises(RuntimeError):
        await record_then_fail()

    async with store.read() as tx:
        kept = await tx.find("things", Query())
    assert [(d["id"], d["name"]) for d in kept.items] == [(str(recorded.message_id), "Acme")]
    assert len(await store.outbox_entries()) == 1


async def test_appended_documents_are_written_when_the_unit_ends_and_only_if_it_commits(
    store: MemoryStore,
) -> None:
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)

    async def append_then_fail() -> None:
        async with uow.begin(context()) as session:
            session.append("things", {"id": "lost"})
            raise RuntimeError("the handler failed")

    async with uow.begin(context()) as session:
        session.append("things", {"id": "e1"})
        session.append("things", {"id": "e2"})
        assert await session.get("things", "e1") is None  # not before the unit ends
    with pytest.raises(RuntimeError):
        await append_then_fail()
    async with uow.read(context()) as session:
        with pytest.raises(ReadOnlyError):
            session.append("things", {"id": "e3"})

    async with store.read() as tx:
        kept = await tx.find("things", Query())
    assert [(d["id"], d["version"]) for d in kept.items] == [("e1", 1), ("e2", 1)]
