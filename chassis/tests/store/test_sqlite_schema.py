"""The SQLite adapter's tables: a column per indexed field, kept equal to the document's value
there; a file written by an earlier shape (expression indexes, no columns, other indexes) is
brought to the declared shape when it is opened, and queries on it find what they should."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from ticketflow_chassis.store.port import Collection, Eq, Index, Query, SortKey
from ticketflow_chassis.store.sqlite import SqliteStore

TICKETS = Collection(
    "tickets",
    (
        Index(("account_id", "status_id", "created_at")),
        Index(("account_id", "owner.id")),
    ),
    field_types={
        "account_id": "string",
        "status_id": "string",
        "created_at": "string",
        "owner.id": "number",
    },
)


async def rows_of(path: Path, sql: str) -> list[tuple[object, ...]]:
    async with aiosqlite.connect(path) as connection:
        return [tuple(row) for row in await connection.execute_fetchall(sql)]


async def index_sql(path: Path) -> dict[str, str]:
    """The indexes of the collections' tables (not those of _outbox and _inbox)."""
    rows = await rows_of(
        path,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name NOT IN ('_outbox', '_inbox')",
    )
    return {str(name): str(sql) for name, sql in rows}


async def test_each_indexed_field_has_a_column_holding_the_documents_value(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.open([TICKETS])
    async with store.transaction() as tx:
        await tx.put(
            "tickets",
            {"id": "t1", "account_id": "a", "status_id": "new", "owner": {"id": 7}, "open": True},
            expected_version=None,
        )
        await tx.put(
            "tickets", {"id": "t2", "account_id": "a", "status_id": None}, expected_version=None
        )
    await store.close()

    rows = await rows_of(
        tmp_path / "s.sqlite3",
        'SELECT id, "doc.account_id", "doc.created_at", "doc.owner.id", "doc.status_id"'
        " FROM tickets ORDER BY id",
    )
    assert rows == [("t1", "a", None, 7, "new"), ("t2", "a", None, None, None)]
    assert set(await index_sql(tmp_path / "s.sqlite3")) == {
        "tickets__ix_account_id__status_id__created_at",
        "tickets__ix_account_id__owner_id",
    }


async def test_an_update_keeps_the_columns_equal_to_the_document_whether_or_not_it_was_read(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.open([TICKETS])
    async with store.transaction() as tx:
        await tx.put(
            "tickets",
            {"id": "t1", "account_id": "a", "status_id": "new", "created_at": "1"},
            expected_version=None,
        )
    async with store.transaction() as tx:
        read = await tx.get("tickets", "t1")
        assert read is not None
        await tx.put("tickets", {**read, "status_id": "open"}, expected_version=1)
        # Written twice in one transaction: the second starts from what the first wrote.
        await tx.put(
            "tickets", {**read, "status_id": "done", "owner": {"id": 3}}, expected_version=2
        )
    async with store.transaction() as tx:  # not read here: every column is set
        await tx.put(
            "tickets",
            {"id": "t1", "account_id": "b", "status_id": "done", "created_at": "2"},
            expected_version=3,
        )
        page = await tx.find(
            "tickets",
            Query((Eq("account_id", "b"), Eq("status_id", "done")), (SortKey("created_at"),)),
        )
        assert [d["id"] for d in page.items] == ["t1"]
    await store.close()

    rows = await rows_of(
        tmp_path / "s.sqlite3",
        'SELECT "doc.account_id", "doc.created_at", "doc.owner.id", "doc.status_id", version'
        " FROM tickets",
    )
    assert rows == [("b", "2", None, "done", 4)]


async def make_earlier_file(path: Path) -> None:
    """A file as the adapter wrote it before columns: expression indexes on `doc`, one of
    them under a declared name with other fields, one no longer declared."""
    async with aiosqlite.connect(path) as connection:
        await connection.execute(
            "CREATE TABLE tickets"
            " (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL)"
        )
        await connection.execute(
            'CREATE INDEX "tickets__ix_account_id__status_id__created_at" ON "tickets" '
            "(json_extract(doc, '$.account_id'), json_extract(doc, '$.status_id'), id)"
        )
        await connection.execute(
            'CREATE INDEX "tickets__retired" ON "tickets" (json_extract(doc, \'$.priority\'), id)'
        )
        for n, status in enumerate(["new", "done", "new"]):
            doc = {
                "id": f"t{n}",
                "account_id": "a",
                "status_id": status,
                "created_at": f"2026-0{n + 1}",
                "owner": {"id": n},
                "closed": False,
                "version": 1,
            }
            await connection.execute(
                "INSERT INTO tickets VALUES (?, 1, ?)", [doc["id"], json.dumps(doc)]
            )
        await connection.commit()


async def test_opening_a_file_of_the_earlier_shape_adds_and_fills_columns_and_rebuilds_indexes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    await make_earlier_file(path)

    store = SqliteStore(path)
    await store.open([TICKETS])
    try:
        async with store.read() as tx:
            page = await tx.find(
                "tickets",
                Query(
                    (Eq("account_id", "a"), Eq("status_id", "new")), (SortKey("created_at", True),)
                ),
            )
            owned = await tx.find("tickets", Query((Eq("account_id", "a"), Eq("owner.id", 1))))
        assert [d["id"] for d in page.items] == ["t2", "t0"]
        assert [d["id"] for d in owned.items] == ["t1"]
    finally:
        await store.close()

    indexes = await index_sql(path)
    assert set(indexes) == {
        "tickets__ix_account_id__status_id__created_at",
        "tickets__ix_account_id__owner_id",
    }
    assert all("json_extract" not in sql for sql in indexes.values())
    assert '"doc.created_at"' in indexes["tickets__ix_account_id__status_id__created_at"]

    again = SqliteStore(path)  # a second open finds the shape declared and changes nothing
    await again.open([TICKETS])
    await again.close()
    assert await index_sql(path) == indexes


async def test_a_changed_direction_rebuilds_the_index_with_its_directions(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path)
    await store.open([TICKETS])
    await store.close()
    newest_first = Collection(
        "tickets",
        (Index(("account_id", "status_id", "-created_at")), Index(("account_id", "owner.id"))),
        TICKETS.field_types,
    )
    store = SqliteStore(path)
    await store.open([newest_first])
    await store.close()

    assert await index_sql(path) == {
        "tickets__ix_account_id__status_id__created_at_desc": (
            'CREATE INDEX "tickets__ix_account_id__status_id__created_at_desc" ON "tickets"'
            ' ("doc.account_id", "doc.status_id", "doc.created_at" DESC, id DESC)'
        ),
        "tickets__ix_account_id__owner_id": (
            'CREATE INDEX "tickets__ix_account_id__owner_id" ON "tickets"'
            ' ("doc.account_id", "doc.owner.id", id)'
        ),
    }


async def test_an_index_the_data_cannot_satisfy_fails_the_opening_and_leaves_nothing_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path)
    await store.open([TICKETS])
    async with store.transaction() as tx:
        for doc_id in ("t1", "t2"):
            ticket = {"id": doc_id, "account_id": "a1", "owner": {"id": 7}}
            await tx.put("tickets", ticket, expected_version=None)
    await store.close()
    one_ticket_per_owner = Collection(
        "tickets",
        (Index(("account_id", "owner.id"), unique=True),),
        {"account_id": "string", "owner.id": "number"},
    )

    store = SqliteStore(path)
    with pytest.raises(sqlite3.IntegrityError):
        await store.open([one_ticket_per_owner])

    assert not await store.ping()
    assert await index_sql(path) == {  # the earlier declaration, untouched
        "tickets__ix_account_id__status_id__created_at": (
            'CREATE INDEX "tickets__ix_account_id__status_id__created_at" ON "tickets"'
            ' ("doc.account_id", "doc.status_id", "doc.created_at", id)'
        ),
        "tickets__ix_account_id__owner_id": (
            'CREATE INDEX "tickets__ix_account_id__owner_id" ON "tickets"'
            ' ("doc.account_id", "doc.owner.id", id)'
        ),
    }
