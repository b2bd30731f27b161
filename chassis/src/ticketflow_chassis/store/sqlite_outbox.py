"""The SQLite adapter's `_outbox` and `_inbox` tables: their schema (brought up to date on an
existing file), the outbox's writes inside a transaction, and the relay's and the operators'
reads and updates of delivery state. Times are stored as fixed-width UTC text (stored_time).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from ticketflow_chassis.store.port import (
    OutboxEntry,
    OutboxMessage,
    UniqueViolationError,
    stored_time,
)
from ticketflow_chassis.store.sqlite_connections import ReaderPool, run
from ticketflow_chassis.store.sqlite_group_commit import GroupCommit

_DELETE_CHUNK = 500  # well under SQLite's limit on bound parameters

_TABLES = (
    "CREATE TABLE IF NOT EXISTS _outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " message_id TEXT NOT NULL UNIQUE, exchange TEXT NOT NULL, routing_key TEXT NOT NULL,"
    " body BLOB NOT NULL, headers TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS _inbox (key TEXT PRIMARY KEY, processed_at TEXT NOT NULL)",
)
# Added to an _outbox of a file written before delivery state existed: its entries keep
# one ordering key (''), so they leave in the order they always had.
_DELIVERY_COLUMNS = (
    ("ordering_key", "TEXT NOT NULL DEFAULT ''"),
    ("attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("last_error", "TEXT"),
    ("next_attempt_at", "TEXT"),
    ("parked_at", "TEXT"),
)
_INDEXES = (
    # What holds keys back (outbox_due's `held`): few rows, found without a scan.
    "CREATE INDEX IF NOT EXISTS _outbox_next_attempt_at ON _outbox (next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS _outbox_parked_at ON _outbox (parked_at)",
    "CREATE INDEX IF NOT EXISTS _inbox_processed_at ON _inbox (processed_at)",
)
_COLUMNS = (
    "seq, message_id, exchange, routing_key, body, headers, ordering_key,"
    " attempts, last_error, next_attempt_at, parked_at"
)
_DUE = (
    "WITH held AS MATERIALIZED (SELECT ordering_key, min(seq) AS since FROM _outbox"
    " WHERE parked_at IS NOT NULL OR next_attempt_at > :now GROUP BY ordering_key)"
    f" SELECT {_COLUMNS} FROM _outbox AS o"
    " WHERE parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
    " AND NOT EXISTS (SELECT 1 FROM held WHERE held.ordering_key = o.ordering_key"
    " AND held.since < o.seq)"
    " ORDER BY seq LIMIT :limit"
)
_RESET = "attempts = 0, last_error = NULL, next_attempt_at = NULL, parked_at = NULL"


async def create_outbox_and_inbox(connection: aiosqlite.Connection) -> None:
    """Creates the tables, or adds the delivery-state columns an older file lacks."""
    for statement in _TABLES:
        await run(connection, statement)
    present = {row[1] for row in await connection.execute_fetchall("PRAGMA table_info(_outbox)")}
    for name, definition in _DELIVERY_COLUMNS:
        if name not in present:
            await run(connection, f"ALTER TABLE _outbox ADD COLUMN {name} {definition}")
    for statement in _INDEXES:
        await run(connection, statement)


async def add_to_outbox(
    connection: aiosqlite.Connection, messages: Sequence[OutboxMessage]
) -> None:
    """One executemany: one round trip to the connection's thread for all of them."""
    before = connection.total_changes
    try:
        await connection.executemany(
            "INSERT INTO _outbox (message_id, exchange, routing_key, body, headers, ordering_key)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    m.message_id,
                    m.exchange,
                    m.routing_key,
                    m.body,
                    json.dumps(m.headers),
                    m.ordering_key,
                )
                for m in messages
            ],
        )
    except sqlite3.IntegrityError as exc:
        # The executemany stopped at the repeated id and kept the rows before it: none stay.
        written = [m.message_id for m in messages[: connection.total_changes - before]]
        if written:
            await run(connection, _delete_sql(len(written)), written)
        raise UniqueViolationError(
            "_outbox", "message_id", messages[len(written)].message_id
        ) from exc


async def mark_processed(connection: aiosqlite.Connection, inbox_key: str, now: datetime) -> bool:
    inserted = await connection.execute_fetchall(
        "INSERT OR IGNORE INTO _inbox (key, processed_at) VALUES (?, ?) RETURNING 1",
        [inbox_key, stored_time(now)],
    )
    return bool(list(inserted))


class SqliteOutbox:
    """The store's outbox methods outside transactions: reads on a reader (each SELECT its
    own transaction: no lock, no BEGIN), updates as units of the writer's group commit."""

    def __init__(self, writer: GroupCommit, readers: ReaderPool):
        self._writer = writer
        self._readers = readers

    async def _read(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
        async with self._readers.connection() as connection:
            return list(await connection.execute_fetchall(sql, params))

    async def _write(self, sql: str, params: Sequence[Any]) -> int:
        """Runs `sql` (which ends in RETURNING 1) and says how many rows it changed."""
        async with self._writer.unit() as connection:
            return len(list(await connection.execute_fetchall(sql, params)))

    async def due(self, limit: int, now: datetime) -> list[OutboxEntry]:
        rows = await self._read(_DUE, {"now": stored_time(now), "limit": limit})
        return [_entry(row) for row in rows]

    async def entries(self, *, parked_only: bool) -> list[OutboxEntry]:
        where = "WHERE parked_at IS NOT NULL" if parked_only else ""
        rows = await self._read(f"SELECT {_COLUMNS} FROM _outbox {where} ORDER BY seq", [])
        return [_entry(row) for row in rows]

    async def remove(self, message_ids: Sequence[str]) -> None:
        """One DELETE by itself (a statement binds a limited number of parameters, so more
        ids take one unit of the writer with a DELETE per chunk)."""
        ids = list(message_ids)
        if not ids:
            return
        chunks = [ids[start : start + _DELETE_CHUNK] for start in range(0, len(ids), _DELETE_CHUNK)]
        if len(chunks) == 1:
            await self._writer.statement(_delete_sql(len(ids)), ids)
            return
        async with self._writer.unit() as connection:
            for chunk in chunks:
                await run(connection, _delete_sql(len(chunk)), chunk)

    async def failed(
        self, message_id: str, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        await self._writer.statement(
            "UPDATE _outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
            " parked_at = ? WHERE message_id = ?",
            [
                error,
                None if retry_at is None else stored_time(retry_at),
                stored_time(now) if retry_at is None else None,
                message_id,
            ],
        )

    async def unpark(self, message_ids: Sequence[str] | None) -> int:
        if message_ids is None:
            return await self._write(
                f"UPDATE _outbox SET {_RESET} WHERE parked_at IS NOT NULL RETURNING 1", []
            )
        changed = 0
        ids = list(message_ids)
        for start in range(0, len(ids), _DELETE_CHUNK):
            chunk = ids[start : start + _DELETE_CHUNK]
            changed += await self._write(
                f"UPDATE _outbox SET {_RESET} WHERE message_id IN ({', '.join('?' * len(chunk))})"
                " RETURNING 1",
                chunk,
            )
        return changed

    async def expire_processed(self, before: datetime) -> int:
        return await self._write(
            "DELETE FROM _inbox WHERE processed_at < ? RETURNING 1", [stored_time(before)]
        )


def _entry(row: Sequence[Any]) -> OutboxEntry:
    seq, message_id, exchange, key, body, headers, ordering_key, attempts, error, at, parked = row
    return OutboxEntry(
        seq,
        OutboxMessage(message_id, exchange, key, bytes(body), json.loads(headers), ordering_key),
        attempts=attempts,
        last_error=error,
        next_attempt_at=_time(at),
        parked_at=_time(parked),
    )


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _delete_sql(count: int) -> str:
    return f"DELETE FROM _outbox WHERE message_id IN ({', '.join('?' * count)})"
