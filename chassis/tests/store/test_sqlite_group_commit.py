"""Group commit on SQLite: writers that wait for the one write connection share a COMMIT,
yet each stays all-or-nothing to its caller and returns only once its writes are durable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ticketflow_chassis.store.port import ConflictError
from ticketflow_chassis.store.sqlite import SqliteStore

from .conftest import Hops
from .contract import COLLECTIONS, NOTES, message


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "store.sqlite3")
    await store.open(COLLECTIONS)
    yield store
    await store.close()


async def write(store: SqliteStore, note_id: str) -> None:
    async with store.transaction() as tx:
        await tx.put(NOTES, {"id": note_id}, expected_version=None)
        await tx.add_to_outbox(message(f"m-{note_id}"))


async def committed_ids(path: Path) -> set[str]:
    """What another store (another process, say) reads from the file: committed data only."""
    other = SqliteStore(path)
    await other.open(COLLECTIONS)
    try:
        async with other.read() as tx:
            return {
                note_id
                for note_id in (f"n{i}" for i in range(20))
                if await tx.get(NOTES, note_id) is not None
            }
    finally:
        await other.close()


async def test_writers_waiting_together_share_commits_and_all_their_writes_last(
    store: SqliteStore, hops: Hops, tmp_path: Path
) -> None:
    with hops.counting() as calls:
        await asyncio.gather(*(write(store, f"n{i}") for i in range(10)))

    commits = [call for call in calls if call == "COMMIT"]
    assert 1 <= len(commits) < 10, calls
    assert await committed_ids(tmp_path / "store.sqlite3") == {f"n{i}" for i in range(10)}
    assert len(await store.outbox_entries()) == 10


async def test_a_failing_writer_in_a_group_rolls_back_alone(
    store: SqliteStore, tmp_path: Path
) -> None:
    await write(store, "n0")

    async def conflicting() -> None:
        async with store.transaction() as tx:
            await tx.put(NOTES, {"id": "n5"}, expected_version=None)
            await tx.put(NOTES, {"id": "n0"}, expected_version=None)  # exists: conflicts

    outcomes = await asyncio.gather(
        write(store, "n1"), conflicting(), write(store, "n2"), return_exceptions=True
    )

    assert [type(o) for o in outcomes] == [type(None), ConflictError, type(None)]
    assert await committed_ids(tmp_path / "store.sqlite3") == {"n0", "n1", "n2"}
    assert {e.message.message_id for e in await store.outbox_entries()} == {
        "m-n0",
        "m-n1",
        "m-n2",
    }


async def test_a_writer_returns_only_once_its_group_has_committed(
    store: SqliteStore, tmp_path: Path
) -> None:
    first = asyncio.create_task(write(store, "n1"))
    second = asyncio.create_task(write(store, "n2"))
    await first

    assert "n1" in await committed_ids(tmp_path / "store.sqlite3")
    await second
    assert await committed_ids(tmp_path / "store.sqlite3") == {"n1", "n2"}


async def test_a_failed_commit_fails_every_writer_of_the_group(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ticketflow_chassis.store import sqlite_group_commit

    original = sqlite_group_commit.run

    async def refusing_commit(connection: object, sql: str, params: object = ()) -> None:
        if sql == "COMMIT":
            raise OSError("disk full")
        await original(connection, sql, params)  # type: ignore[arg-type]  # a test double

    monkeypatch.setattr(sqlite_group_commit, "run", refusing_commit)
    outcomes = await asyncio.gather(
        *(write(store, f"n{i}") for i in range(3)), return_exceptions=True
    )
    monkeypatch.setattr(sqlite_group_commit, "run", original)

    assert [str(o) for o in outcomes] == ["disk full"] * 3
    assert await committed_ids(tmp_path / "store.sqlite3") == set()
    await write(store, "n9")  # the writer goes on afterwards
    assert await committed_ids(tmp_path / "store.sqlite3") == {"n9"}
