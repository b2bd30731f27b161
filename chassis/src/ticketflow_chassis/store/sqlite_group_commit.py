"""Group commit for the SQLite writer: units of work that queue for the one write connection
share one SQLite transaction and one COMMIT (one sync of the WAL under `synchronous=FULL`).

The first unit of a group begins the transaction (BEGIN IMMEDIATE); each later one runs in
a SAVEPOINT, so a unit that fails rolls back alone. Each returns only once the COMMIT holding
its writes succeeded, and a failed COMMIT fails every unit of the group. To each caller a
unit is all-or-nothing and durable when it returns, exactly as with a transaction of its
own; alone (no unit waiting), a unit costs what a transaction of its own did.

    writer = GroupCommit(lock, connection_of)
    async with writer.unit() as connection:
        ...   # statements on `connection`, inside the shared transaction
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from ticketflow_chassis.store.sqlite_connections import run

log = logging.getLogger(__name__)


class _Group:
    """One open SQLite transaction and the units that wrote in it."""

    def __init__(self) -> None:
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.committer: asyncio.Task[None] | None = None


class GroupCommit:
    """The writer's turns: `unit()` waits for the connection (an asyncio lock, FIFO), joins
    the open transaction or begins one (BEGIN IMMEDIATE), and after its block hands the
    transaction to the units already waiting; a committer queued behind them commits it."""

    def __init__(self, lock: asyncio.Lock, connection_of: Callable[[], aiosqlite.Connection]):
        self._lock = lock
        self._connection_of = connection_of
        self._group: _Group | None = None

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            connection = self._connection_of()
            first = self._group is None
            if first:
                await run(connection, "BEGIN IMMEDIATE")
                self._group = _Group()
            group = self._group
            assert group is not None
            if not first:
                await run(connection, "SAVEPOINT unit")
            try:
                yield connection
            except BaseException:
                await self._undo(connection, group, first)
                raise
            if first:
                # Queued behind every unit already waiting: they join this transaction.
                group.committer = asyncio.create_task(self._commit(group))
            else:
                await self._keep(connection, group)
        await asyncio.shield(group.committed)

    async def statement(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement as a unit: by itself (autocommit, one round trip) when no group is
        open, else as one more unit of the open group."""
        async with self._lock:
            if self._group is None:
                await run(self._connection_of(), sql, params)
                return
        async with self.unit() as connection:
            await run(connection, sql, params)

    async def close(self) -> None:
        """Commits an open group (its units are waiting for it) before the connection goes."""
        group = self._group
        if group is not None and group.committer is not None:
            await asyncio.wait({group.committer})

    async def _keep(self, connection: aiosqlite.Connection, group: _Group) -> None:
        try:
            await run(connection, "RELEASE unit")
        except BaseException as exc:
            await self._abandon(connection, group, exc)
            raise

    async def _undo(self, connection: aiosqlite.Connection, group: _Group, first: bool) -> None:
        """Only this unit's writes go: the first unit of a group is alone in it, so the whole
        transaction rolls back; a later one rolls back to its savepoint and the group (whose
        first unit succeeded and queued its committer) goes on."""
        if first:
            await self._end(connection, group, "ROLLBACK", None)
            return
        try:
            await run(connection, "ROLLBACK TO unit")
            await run(connection, "RELEASE unit")
        except BaseException as exc:
            await self._abandon(connection, group, exc)

    async def _commit(self, group: _Group) -> None:
        async with self._lock:
            if self._group is not group:
                return  # already ended (abandoned)
            await self._end(self._connection_of(), group, "COMMIT", None)

    async def _abandon(
        self, connection: aiosqlite.Connection, group: _Group, error: BaseException
    ) -> None:
        log.error("the SQLite writer lost its transaction; its units fail: %s", error)
        await self._end(connection, group, "ROLLBACK", error)

    async def _end(
        self,
        connection: aiosqlite.Connection,
        group: _Group,
        statement: str,
        error: BaseException | None,
    ) -> None:
        self._group = None
        try:
            await run(connection, statement)
        except BaseException as exc:
            error = error or exc
            if connection.in_transaction:
                await run(connection, "ROLLBACK")
        if group.committed.done():
            return
        if error is None:
            group.committed.set_result(None)
        else:
            group.committed.set_exception(error)
            group.committed.exception()  # its units raise it; none left need not log it
