"""What a unit of work costs on SQLite, in round trips to aiosqlite's worker thread and in
SQL statements: each call is a hop to that thread and back, so these counts are the
adapter's latency floor. The expected counts are the measured ones; change them only
together with the adapter (and the figures in docs/decisions.md, Storage).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ticketflow_chassis.store.sqlite import SqliteStore

from .conftest import Hops
from .contract import COLLECTIONS, NOTES, message


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "store.sqlite3")
    await store.open(COLLECTIONS)
    async with store.transaction() as tx:
        await tx.put(NOTES, {"id": "n1", "text": "v1"}, expected_version=None)
    async with store.read() as tx:  # the steady state: a reader connection is open
        await tx.get(NOTES, "n1")
    yield store
    await store.close()


def cost(calls: list[str]) -> tuple[int, int]:
    """(round trips, statements)."""
    return len(calls), len([c for c in calls if not c.startswith("<")])


async def test_a_consumed_message_that_inserts_and_records(store: SqliteStore, hops: Hops) -> None:
    """The notifier's shape: inbox mark, a new document, one outbox message."""
    with hops.counting() as calls:
        async with store.transaction() as tx:
            assert await tx.mark_processed("queue:m1")
            await tx.put(NOTES, {"id": "n2"}, expected_version=None)
            await tx.add_to_outbox(message("m1"))
    assert cost(calls) == (5, 5), calls


async def test_a_read(store: SqliteStore, hops: Hops) -> None:
    """As many as in a write transaction, but on a reader: no wait for the writer."""
    with hops.counting() as calls:
        async with store.read() as tx:
            assert await tx.get(NOTES, "n1") is not None
    assert calls == ["BEGIN", 'SELECT doc FROM "notes" WHERE id = ?', "COMMIT"]


async def test_an_update_that_records(store: SqliteStore, hops: Hops) -> None:
    """A status change's shape: read, write at that version, one outbox message."""
    with hops.counting() as calls:
        async with store.transaction() as tx:
            current = await tx.get(NOTES, "n1")
            assert current is not None
            await tx.put(NOTES, {**current, "text": "v2"}, expected_version=current["version"])
            await tx.add_to_outbox(message("m1"))
    assert cost(calls) == (5, 5), calls


async def test_the_relay_reads_then_removes_a_batch(store: SqliteStore, hops: Hops) -> None:
    async with store.transaction() as tx:
        await tx.add_to_outbox(message("m1"))
        await tx.add_to_outbox(message("m2"))
    with hops.counting() as calls:
        batch = await store.outbox_entries()
        await store.remove_from_outbox([entry.message.message_id for entry in batch])
    assert cost(calls) == (2, 2), calls
