"""The storage contract, run against the SQLite adapter in tmp_path, and what only SQLite
has: the file and its pragmas, index use in query plans, safe names, two stores on one file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from ticketflow_chassis.store.port import (
    Collection,
    Document,
    DocumentStore,
    Eq,
    Filter,
    Index,
    Query,
    Range,
    SortKey,
    StoreError,
)
from ticketflow_chassis.store.sqlite import SqliteStore, Synchronous

from .contract import ACCOUNT, COLLECTIONS, NOTES, TICKETS, StoreContract, message, seed


def store_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "nested" / "service.sqlite3"


class TestSqliteStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        store = SqliteStore(store_path(tmp_path))
        await store.open(COLLECTIONS)
        yield store
        await store.close()

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Callable[[], DocumentStore]:
        return lambda: SqliteStore(store_path(tmp_path))


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(store_path(tmp_path))
    await store.open(COLLECTIONS)
    yield store
    await store.close()


async def test_open_creates_the_directory_and_a_wal_file(sqlite_store: SqliteStore) -> None:
    assert sqlite_store.path.is_file()
    async with aiosqlite.connect(sqlite_store.path) as other:
        [(mode,)] = await other.execute_fetchall("PRAGMA journal_mode")
        tables = {row[0] for row in await other.execute_fetchall("SELECT name FROM sqlite_master")}
    assert mode == "wal"
    assert {"tickets", "notes", "_outbox", "_inbox", "tickets__ix_account_id__number"} <= tables


async def plan_of_find(
    store: SqliteStore, filters: tuple[Filter, ...], sort: tuple[SortKey, ...]
) -> str:
    """EXPLAIN QUERY PLAN of the SELECT the adapter really ran (caught by a trace callback
    on its connection, a private attribute: there is no other way to see its SQL)."""
    statements: list[str] = []
    connection = store._connection
    assert connection is not None
    await connection.set_trace_callback(statements.append)
    async with store.transaction() as tx:
        await tx.find(TICKETS, Query(filters, sort))
    [select] = [s for s in statements if s.startswith("SELECT doc FROM")]
    rows = await connection.execute_fetchall(f"EXPLAIN QUERY PLAN {select}")
    return " | ".join(str(row[3]) for row in rows)


@pytest.mark.parametrize(
    ("filters", "sort", "index"),
    [
        pytest.param(
            (Eq("account_id", ACCOUNT), Eq("archived", True)),
            (SortKey("priority"),),
            "tickets__ix_account_id__archived__priority",
            id="eq-bool-then-sort",
        ),
        pytest.param(
            (Eq("account_id", ACCOUNT), Eq("status", "open")),
            (SortKey("created_at"),),
            "tickets__ix_account_id__status__created_at_desc",
            id="eq-eq-then-sort",
        ),
        pytest.param(
            (Eq("account_id", ACCOUNT),),
            (SortKey("created_at", descending=True),),
            # ties by id descending too: the ascending index read backwards, no sort
            "tickets__ix_account_id__created_at",
            id="descending-sort-on-an-ascending-index",
        ),
        pytest.param(
            (Eq("account_id", ACCOUNT),),
            (SortKey("status"), SortKey("created_at", descending=True)),
            "tickets__ix_account_id__status__created_at_desc",
            id="mixed-directions-as-declared",
        ),
        pytest.param(
            (Eq("account_id", ACCOUNT),),
            (SortKey("status", descending=True), SortKey("created_at")),
            "tickets__ix_account_id__status__created_at_desc",
            id="mixed-directions-reversed",
        ),
        pytest.param(
            (Eq("account_id", ACCOUNT), Range("number", gt=3, lte=9)),
            (),
            # a unique index cannot end with id, so the id order costs a sort of the matches
            "tickets__ix_account_id__number",
            id="range-on-a-unique-index",
        ),
        pytest.param(
            (Eq("customer.email", "c1@example.com"),),
            (),
            "tickets__ix_customer_email",
            id="dotted",
        ),
    ],
)
async def test_find_is_served_by_the_declared_index(
    sqlite_store: SqliteStore,
    filters: tuple[Filter, ...],
    sort: tuple[SortKey, ...],
    index: str,
) -> None:
    await seed(sqlite_store)
    async with aiosqlite.connect(sqlite_store.path) as other:
        await other.execute("ANALYZE")  # with statistics, as a long-lived database has them
        await other.commit()
    plan = await plan_of_find(sqlite_store, filters, sort)
    assert f"USING INDEX {index}" in plan, plan
    if sort:
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    "collection",
    [
        Collection("Tickets"),
        Collection("tickets; DROP TABLE x"),
        Collection("sqlite_master"),
        Collection("_outbox"),
        Collection("ok", (Index(("a') OR 1=1 --",)),)),
        Collection("ok", (Index(("a..b",)),)),
        Collection("ok", (Index(("$where",)),)),
    ],
    ids=lambda c: c.name if not c.indexes else str(c.indexes[0].field_names[0]),
)
async def test_unsafe_names_are_refused_before_any_sql(
    tmp_path: Path, collection: Collection
) -> None:
    store = SqliteStore(tmp_path / "store.sqlite3")
    with pytest.raises(ValueError, match="invalid"):
        await store.open([collection])
    await store.close()
    assert not (tmp_path / "store.sqlite3").exists()


async def test_a_value_json_cannot_hold_is_refused(sqlite_store: SqliteStore) -> None:
    for bad in [float("nan"), b"bytes", {1, 2}]:
        with pytest.raises((TypeError, ValueError)):
            async with sqlite_store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1", "value": bad}, expected_version=None)


async def test_two_stores_on_one_file_take_turns_like_two_processes(tmp_path: Path) -> None:
    first, second = SqliteStore(store_path(tmp_path)), SqliteStore(store_path(tmp_path))
    await first.open(COLLECTIONS)
    await second.open(COLLECTIONS)
    try:
        async with first.transaction() as tx:
            await tx.put(NOTES, {"id": "n1", "text": "v1"}, expected_version=None)

        async def write(store: SqliteStore, text: str) -> Document:
            async with store.transaction() as tx:
                await asyncio.sleep(0.05)
                return await tx.put(NOTES, {"id": "n1", "text": text}, expected_version=1)

        results = await asyncio.gather(
            write(first, "a"), write(second, "b"), return_exceptions=True
        )
        assert sorted(type(r).__name__ for r in results) == ["ConflictError", "dict"], results
        winner = next(r for r in results if isinstance(r, dict))
        async with second.transaction() as tx:
            assert await tx.get(NOTES, "n1") == winner
    finally:
        await first.close()
        await second.close()


async def test_a_transaction_after_the_store_closed_fails_clearly(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite3")
    await store.open(COLLECTIONS)
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        async with store.transaction():
            pass
    with pytest.raises(StoreError, match="not open"):
        async with store.read():
            pass
    with pytest.raises(StoreError, match="not open"):
        await store.outbox_entries()
    assert await store.ping() is False


async def test_removing_more_ids_than_one_statement_binds_removes_them_all(
    sqlite_store: SqliteStore,
) -> None:
    ids = [f"m{n}" for n in range(1201)]
    async with sqlite_store.transaction() as tx:
        for message_id in [*ids, "kept"]:
            await tx.add_to_outbox(message(message_id))
    await sqlite_store.remove_from_outbox(ids)
    assert [e.message.message_id for e in await sqlite_store.outbox_entries()] == ["kept"]


@pytest.mark.parametrize(("synchronous", "level"), [(None, 2), ("NORMAL", 1), ("EXTRA", 3)])
async def test_commits_are_synced_to_disk_unless_told_otherwise(
    tmp_path: Path, synchronous: Synchronous | None, level: int
) -> None:
    """FULL (2) by default: a commit survives a power loss, not only a crash of the process."""
    store = (
        SqliteStore(store_path(tmp_path))
        if synchronous is None
        else SqliteStore(store_path(tmp_path), synchronous=synchronous)
    )
    await store.open(COLLECTIONS)
    try:
        connection = store._connection  # the writer's setting: it is per connection
        assert connection is not None
        assert await connection.execute_fetchall("PRAGMA synchronous") == [(level,)]
    finally:
        await store.close()


@pytest.mark.parametrize(("cache_mib", "pages_kib"), [(None, 32 * 1024), (64, 64 * 1024)])
async def test_the_writer_keeps_a_page_cache_of_the_configured_size(
    tmp_path: Path, cache_mib: int | None, pages_kib: int
) -> None:
    store = (
        SqliteStore(store_path(tmp_path))
        if cache_mib is None
        else SqliteStore(store_path(tmp_path), cache_mib=cache_mib)
    )
    await store.open(COLLECTIONS)
    try:
        connection = store._connection
        assert connection is not None
        assert await connection.execute_fetchall("PRAGMA cache_size") == [(-pages_kib,)]
    finally:
        await store.close()


def test_an_unknown_synchronous_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous 'OFF'"):
        SqliteStore(store_path(tmp_path), synchronous="OFF")  # type: ignore[arg-type]  # the point


async def test_opening_a_file_from_before_delivery_state_adds_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path) as old:
        await old.execute(
            "CREATE TABLE _outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " message_id TEXT NOT NULL UNIQUE, exchange TEXT NOT NULL,"
            " routing_key TEXT NOT NULL, body BLOB NOT NULL, headers TEXT NOT NULL)"
        )
        await old.execute(
            "INSERT INTO _outbox (message_id, exchange, routing_key, body, headers)"
            " VALUES ('m1', 'ticketflow.events', 'ticket.created', x'7b7d', '{}')"
        )
        await old.commit()
    store = SqliteStore(path)
    await store.open(COLLECTIONS)
    await store.open(COLLECTIONS)  # once migrated, opening again changes nothing
    try:
        [entry] = await store.outbox_due(10, datetime.now(UTC))
        assert (entry.message.message_id, entry.message.ordering_key, entry.attempts) == (
            "m1",
            "",
            0,
        )
        await store.outbox_failed("m1", "boom", retry_at=None, now=datetime.now(UTC))
        assert [e.last_error for e in await store.outbox_entries(parked_only=True)] == ["boom"]
    finally:
        await store.close()
