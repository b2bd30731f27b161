"""The SQLite adapter's connections: opening one with its pragmas, the pool of read-only
connections beside the one writer (WAL lets readers run while it writes), and the
BEGIN ... COMMIT/ROLLBACK around a block.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from ticketflow_chassis.store.port import StoreError, TransientStoreError

BUSY_TIMEOUT_MS = 5000


async def run(connection: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> None:
    """Runs a statement to completion, so that no half-read statement holds a lock."""
    await rows_of(connection, sql, params)


async def rows_of(
    connection: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> list[Any]:
    """Every row of a statement. The database locked by another process beyond the busy
    timeout is a TransientStoreError: the unit of work may run again."""
    try:
        return list(await connection.execute_fetchall(sql, params))
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise TransientStoreError(f"the SQLite database is locked: {exc}") from exc
        raise


async def connect(path: Path, pragmas: Sequence[str]) -> aiosqlite.Connection:
    """A connection in autocommit mode (transactions are begun explicitly) with `pragmas`.
    The busy timeout comes first: `journal_mode=WAL` on a new file takes the write lock, and
    several processes opening one file at once (`ticketflow up --scale`) must wait for it
    rather than fail with "database is locked"."""
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        for pragma in [f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}", *pragmas]:
            await run(connection, pragma)
    except BaseException:
        await connection.close()
        raise
    return connection


@asynccontextmanager
async def transaction_on(connection: aiosqlite.Connection, begin: str) -> AsyncIterator[None]:
    """`begin` (BEGIN IMMEDIATE for the writer, BEGIN for a reader), then COMMIT when the
    block exits normally, ROLLBACK when it raises or the COMMIT fails."""
    await run(connection, begin)
    try:
        yield
    except BaseException:
        if connection.in_transaction:
            await run(connection, "ROLLBACK")
        raise
    try:
        await run(connection, "COMMIT")
    except BaseException:
        if connection.in_transaction:
            await run(connection, "ROLLBACK")
        raise


class ReaderPool:
    """Up to `size` read-only connections (`PRAGMA query_only`), opened on first need and
    reused; a reader waits only for a free connection, never for the writer."""

    def __init__(self, path: Path, size: int):
        self._path = path
        self._slots = asyncio.Semaphore(size)
        self._idle: list[aiosqlite.Connection] = []
        self._closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._slots:
            if self._closed:
                raise StoreError(f"the store at {self._path} is closed")
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                yield connection
            finally:
                # One left inside a transaction (its ROLLBACK failed) is not handed out again.
                if self._closed or connection.in_transaction:
                    await connection.close()
                else:
                    self._idle.append(connection)

    async def _connect(self) -> aiosqlite.Connection:
        return await connect(self._path, ["PRAGMA query_only=ON"])

    async def close(self) -> None:
        """Closes the idle connections now and those in use when they are given back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
