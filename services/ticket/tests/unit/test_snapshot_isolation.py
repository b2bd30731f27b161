"""The race tests' store double behaves like MongoDB: write skew passes, a write-write
conflict does not (were it serialisable, the snapshot race test would prove nothing)."""

from __future__ import annotations

import asyncio

from ticketflow_chassis.store.port import Collection, ConflictError

from .snapshot_isolation import SnapshotIsolationStore

DOCS = Collection("docs")


async def opened() -> SnapshotIsolationStore:
    store = SnapshotIsolationStore()
    await store.open([DOCS])
    async with store.transaction() as tx:
        await tx.put("docs", {"id": "a", "n": 0}, expected_version=None)
        await tx.put("docs", {"id": "b", "n": 0}, expected_version=None)
    return store


async def test_two_transactions_that_read_both_and_write_one_each_both_commit() -> None:
    store = await opened()

    async def write(target: str, other: str) -> None:
        async with store.transaction() as tx:
            seen = await tx.get("docs", other)
            await asyncio.sleep(0.01)
            assert seen is not None
            await tx.put("docs", {"id": target, "n": seen["n"] + 1}, expected_version=1)

    await asyncio.gather(write("a", "b"), write("b", "a"))

    async with store.transaction() as tx:
        a, b = await tx.get("docs", "a"), await tx.get("docs", "b")
    assert a is not None
    assert b is not None
    assert (a["n"], b["n"]) == (1, 1)  # each missed the other's write


async def test_of_two_transactions_writing_one_document_the_later_to_commit_conflicts() -> None:
    store = await opened()

    async def bump(pause: float) -> None:
        async with store.transaction() as tx:
            await tx.put("docs", {"id": "a", "n": 1}, expected_version=1)
            await asyncio.sleep(pause)

    first, second = await asyncio.gather(bump(0), bump(0.01), return_exceptions=True)

    assert first is None
    assert isinstance(second, ConflictError)
    async with store.transaction() as tx:
        a = await tx.get("docs", "a")
    assert a is not None
    assert a["version"] == 2
