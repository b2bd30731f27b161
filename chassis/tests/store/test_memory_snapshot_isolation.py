"""The in-memory store's snapshot-isolation mode behaves like MongoDB: transactions run side
by side on their snapshots, write skew passes, a write-write conflict does not (were it
serialisable, a race test on it would prove nothing; were it lax, it would prove too much)."""

from __future__ import annotations

import asyncio

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import (
    Collection,
    ConcurrentWriteError,
    Document,
    Index,
    OutboxMessage,
)

DOCS = "docs"
COLLECTIONS = (Collection(DOCS, (Index(("key",), unique=True),), field_types={"key": "string"}),)


async def opened(*, snapshot_isolation: bool = True) -> MemoryStore:
    store = MemoryStore(snapshot_isolation=snapshot_isolation)
    await store.open(COLLECTIONS)
    async with store.transaction() as tx:
        await tx.put(DOCS, {"id": "a", "n": 0, "key": "a"}, expected_version=None)
        await tx.put(DOCS, {"id": "b", "n": 0, "key": "b"}, expected_version=None)
    return store


async def committed(store: MemoryStore, doc_id: str) -> Document:
    async with store.read() as tx:
        document = await tx.get(DOCS, doc_id)
    assert document is not None
    return document


async def test_two_transactions_are_open_at_once() -> None:
    """With a global lock the second could not begin before the first ended: a deadlock."""
    store = await opened()
    both_open = asyncio.Barrier(2)

    async def meet() -> None:
        async with store.transaction():
            await both_open.wait()

    await asyncio.wait_for(asyncio.gather(meet(), meet()), timeout=1)


async def test_a_transaction_reads_its_snapshot_and_its_own_writes_only() -> None:
    store = await opened()
    began, other_committed = asyncio.Event(), asyncio.Event()

    async def reader() -> tuple[int, int]:
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": "b", "n": 5, "key": "b"}, expected_version=1)
            began.set()
            await other_committed.wait()
            a, b = await tx.get(DOCS, "a"), await tx.get(DOCS, "b")
            assert a is not None
            assert b is not None
            return a["n"], b["n"]

    async def writer() -> None:
        await began.wait()
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": "a", "n": 1, "key": "a"}, expected_version=1)
        other_committed.set()

    seen, _ = await asyncio.gather(reader(), writer())

    assert seen == (0, 5)  # not the concurrent commit's a; its own b
    assert ((await committed(store, "a"))["n"], (await committed(store, "b"))["n"]) == (1, 5)


async def test_write_skew_on_different_documents_commits_both() -> None:
    """Each reads the other's document and writes its own: MongoDB lets both commit."""
    store = await opened()
    both_read = asyncio.Barrier(2)

    async def write(target: str, other: str) -> None:
        async with store.transaction() as tx:
            seen = await tx.get(DOCS, other)
            assert seen is not None
            await both_read.wait()
            written = {"id": target, "n": seen["n"] + 1, "key": target}
            await tx.put(DOCS, written, expected_version=1)

    await asyncio.gather(write("a", "b"), write("b", "a"))

    assert ((await committed(store, "a"))["n"], (await committed(store, "b"))["n"]) == (1, 1)


async def test_of_two_writers_of_one_document_the_first_to_commit_wins() -> None:
    store = await opened()
    both_wrote, first_done = asyncio.Barrier(2), asyncio.Event()

    async def bump(n: int, commits_first: bool) -> None:
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": "a", "n": n, "key": "a"}, expected_version=1)
            await tx.put(DOCS, {"id": f"new-{n}", "key": f"new-{n}"}, expected_version=None)
            await tx.add_to_outbox(OutboxMessage(f"m{n}", "ticketflow.events", "bumped", b"{}"))
            await both_wrote.wait()
            if not commits_first:
                await first_done.wait()
        first_done.set()

    first, second = await asyncio.gather(bump(1, True), bump(2, False), return_exceptions=True)

    assert first is None
    assert isinstance(second, ConcurrentWriteError)
    assert (second.collection, second.doc_id) == (DOCS, "a")
    assert (await committed(store, "a"))["n"] == 1
    async with store.read() as tx:
        assert await tx.get(DOCS, "new-2") is None  # nothing of the loser is committed
    assert [e.message.message_id for e in await store.outbox_entries()] == ["m1"]


async def test_an_inbox_key_marked_by_a_concurrent_commit_is_a_conflict() -> None:
    store = await opened()
    both_marked = asyncio.Barrier(2)

    async def mark() -> None:
        async with store.transaction() as tx:
            assert await tx.mark_processed("message-1")
            await both_marked.wait()

    results = await asyncio.gather(mark(), mark(), return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["ConcurrentWriteError", "NoneType"]


async def test_a_unique_key_taken_by_a_concurrent_commit_is_a_conflict() -> None:
    store = await opened()
    both_wrote = asyncio.Barrier(2)

    async def insert(doc_id: str) -> None:
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": doc_id, "key": "same"}, expected_version=None)
            await both_wrote.wait()

    results = await asyncio.gather(insert("c"), insert("d"), return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["ConcurrentWriteError", "NoneType"]


async def test_overlapping_transactions_commit_only_once_all_of_them_ran() -> None:
    """The second begins after the first's last write, yet reads before that commits."""
    store = await opened()
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": "a", "n": 1, "key": "a"}, expected_version=1)
            first_wrote.set()

    async def second() -> int:
        await first_wrote.wait()
        async with store.transaction() as tx:
            a = await tx.get(DOCS, "a")
        assert a is not None
        return int(a["n"])

    with store.overlapping(2):
        _, seen = await asyncio.gather(first(), second())

    assert seen == 0
    assert (await committed(store, "a"))["n"] == 1


async def test_a_failed_overlapping_transaction_does_not_hold_the_others() -> None:
    store = await opened()

    async def fail() -> None:
        async with store.transaction():
            raise RuntimeError("the body failed")

    async def write() -> None:
        async with store.transaction() as tx:
            await tx.put(DOCS, {"id": "a", "n": 1, "key": "a"}, expected_version=1)

    with store.overlapping(2):
        results = await asyncio.wait_for(
            asyncio.gather(fail(), write(), return_exceptions=True), timeout=1
        )

    assert [type(r).__name__ for r in results] == ["RuntimeError", "NoneType"]
    assert (await committed(store, "a"))["n"] == 1
