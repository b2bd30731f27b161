"""SQLite adapter of the document-store port (aiosqlite): one table of JSON documents per
collection, with a column per indexed field (sqlite_schema.py), plus the outbox and inbox
tables, in one WAL file; one writer connection, and read-only connections beside it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import aiosqlite

from ticketflow_chassis.store import sqlite_outbox
from ticketflow_chassis.store.cursors import decode_cursor, encode_cursor
from ticketflow_chassis.store.index_rule import require_index
from ticketflow_chassis.store.outbox_methods import OutboxMethods
from ticketflow_chassis.store.port import (
    ID_FIELD,
    VERSION_FIELD,
    Collection,
    ConflictError,
    Document,
    Filter,
    Index,
    OutboxMessage,
    Page,
    Query,
    ReadOnlyError,
    StoreError,
    UniqueViolationError,
    UnknownCollectionError,
    check_field_types,
    require_field_types,
)
from ticketflow_chassis.store.sqlite_connections import (
    ReaderPool,
    connect,
    rows_of,
    transaction_on,
)
from ticketflow_chassis.store.sqlite_group_commit import GroupCommit
from ticketflow_chassis.store.sqlite_outbox import SqliteOutbox
from ticketflow_chassis.store.sqlite_query import (
    Clause,
    after,
    checked_collection,
    column,
    create_index_sql,
    index_name,
    missing_values_guards,
    order_by,
    where,
)
from ticketflow_chassis.store.sqlite_schema import column_values, indexed_fields, migrate

_KNOWN_AT_MOST = 2_000  # documents whose text a writing transaction keeps (a few MB)
_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")


def _to_json(document: Document) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _from_json(text: str) -> Document:
    document: Document = json.loads(text)
    return document


class SqliteTransaction:
    """Runs on the store's writer between BEGIN IMMEDIATE and COMMIT/ROLLBACK, or, when
    `read_only`, on a reader connection between BEGIN and COMMIT (WAL: one snapshot)."""

    def __init__(
        self, store: SqliteStore, connection: aiosqlite.Connection, *, read_only: bool = False
    ):
        self._store = store
        self._connection = connection
        self.read_only = read_only
        self.active = True
        # The text of each document this (writing) transaction read or wrote: an update at
        # that version sets only the columns whose values it changes.
        self._known: dict[tuple[str, str], str] = {}

    def _writable(self, operation: str) -> None:
        if self.read_only:
            raise ReadOnlyError(operation)

    async def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        if not self.active:
            raise StoreError("this transaction is over; open a new one")
        return await rows_of(self._connection, sql, list(params))

    async def _version(self, collection: str, doc_id: str) -> int | None:
        rows = await self._rows(f'SELECT version FROM "{collection}" WHERE id = ?', [doc_id])
        return int(rows[0][0]) if rows else None

    async def get(self, collection: str, doc_id: str) -> Document | None:
        self._store.spec(collection)
        rows = await self._rows(f'SELECT doc FROM "{collection}" WHERE id = ?', [doc_id])
        if not rows:
            return None
        self._remember(collection, doc_id, rows[0][0])
        return _from_json(rows[0][0])

    def _remember(self, collection: str, doc_id: str, text: str) -> None:
        """Keeps the last _KNOWN_AT_MOST texts (a transaction may read far more than it
        writes: a saga walking a pipeline's tickets)."""
        if self.read_only:
            return
        key = (collection, doc_id)
        self._known.pop(key, None)
        self._known[key] = text
        if len(self._known) > _KNOWN_AT_MOST:
            del self._known[next(iter(self._known))]

    def _changed_columns(
        self, spec: Collection, doc_id: str, expected_version: int, values: list[Any]
    ) -> list[tuple[str, Any]]:
        """The columns to set: those whose values differ from the document's at
        `expected_version` when this transaction knows it, else all of them."""
        columns = [(column(f), v) for f, v in zip(indexed_fields(spec), values, strict=True)]
        known = self._known.get((spec.name, doc_id))
        if known is None:
            return columns
        before = _from_json(known)
        if before.get(VERSION_FIELD) != expected_version:
            return columns
        return [
            (name, value)
            for (name, value), old in zip(columns, column_values(spec, before), strict=True)
            if type(value) is not type(old) or value != old
        ]

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        """One statement when it succeeds: the INSERT's primary key and the UPDATE's
        `version = ?` are the version check. Only after a miss is the version read, for the
        ConflictError's message."""
        self._writable("put")
        spec = self._store.spec(collection)
        check_field_types(spec, document)
        doc_id = document[ID_FIELD]
        version = (expected_version or 0) + 1
        text = _to_json({**document, VERSION_FIELD: version})
        stored = _from_json(text)  # also the caller's copy: nothing shared with `document`
        guards = missing_values_guards(spec, stored)
        guard = Clause(
            " AND ".join(["1", *(g.sql for _, g in guards)]),
            [p for _, g in guards for p in g.params],
        )
        values = column_values(spec, stored)
        try:
            if expected_version is None:
                names = "".join(f", {column(f)}" for f in indexed_fields(spec))
                written = await self._rows(
                    f'INSERT INTO "{collection}" (id, version, doc{names})'
                    f" SELECT ?, ?, ?{', ?' * len(values)} WHERE {guard.sql} RETURNING 1",
                    [doc_id, version, text, *values, *guard.params],
                )
            else:
                changed = self._changed_columns(spec, doc_id, expected_version, values)
                sets = "".join(f", {name} = ?" for name, _ in changed)
                written = await self._rows(
                    f'UPDATE "{collection}" SET version = ?, doc = ?{sets}'
                    f" WHERE id = ? AND version = ? AND {guard.sql} RETURNING 1",
                    [
                        version,
                        text,
                        *(v for _, v in changed),
                        doc_id,
                        expected_version,
                        *guard.params,
                    ],
                )
        except sqlite3.IntegrityError as exc:
            # SQLite may check a unique index before the primary key: the id comes first.
            actual = await self._version(collection, doc_id) if expected_version is None else None
            if actual is not None:
                raise ConflictError(collection, doc_id, None, actual) from None
            raise UniqueViolationError(collection, _violated_index(spec, exc), doc_id) from exc
        if not written:
            await self._explain_refusal(spec, stored, expected_version, guards)
        self._remember(collection, doc_id, text)
        return stored

    async def _explain_refusal(
        self,
        spec: Collection,
        document: Document,
        expected_version: int | None,
        guards: list[tuple[Index, Clause]],
    ) -> None:
        """A write that changed no row met another version (checked first, as before any
        uniqueness) or a guard on missing values; raises the error that says which."""
        doc_id = document[ID_FIELD]
        actual = await self._version(spec.name, doc_id)
        if actual != expected_version:
            raise ConflictError(spec.name, doc_id, expected_version, actual)
        for index, guard in guards:
            [(free,)] = await self._rows(f"SELECT {guard.sql}", guard.params)
            if not free:
                raise UniqueViolationError(spec.name, index.name, doc_id)
        raise StoreError(f"{spec.name}/{doc_id}: the write changed nothing, for no known reason")

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        self._writable("delete")
        self._store.spec(collection)
        deleted = await self._rows(
            f'DELETE FROM "{collection}" WHERE id = ? AND version = ? RETURNING 1',
            [doc_id, expected_version],
        )
        if not deleted:
            actual = await self._version(collection, doc_id)
            raise ConflictError(collection, doc_id, expected_version, actual)
        self._known.pop((collection, doc_id), None)

    async def find(self, collection: str, query: Query) -> Page:
        require_index(self._store.spec(collection), query.filters, query.sort)
        clause = where(query.filters)
        if query.after is not None:
            keyset = after(query.sort, decode_cursor(query.after, query.sort))
            clause = Clause(f"{clause.sql} AND {keyset.sql}", clause.params + keyset.params)
        rows = await self._rows(
            f'SELECT doc FROM "{collection}" WHERE {clause.sql} '
            f"ORDER BY {order_by(query.sort, query.filters)} LIMIT ?",
            [*clause.params, query.limit + 1],
        )
        items = []
        for (text,) in rows[: query.limit]:
            item = _from_json(text)
            self._remember(collection, item[ID_FIELD], text)
            items.append(item)
        more = len(rows) > query.limit
        return Page(items, encode_cursor(items[-1], query.sort) if more and items else None)

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        require_index(self._store.spec(collection), filters, ())
        clause = where(filters)
        if limit is None:
            sql, params = f'SELECT count(*) FROM "{collection}" WHERE {clause.sql}', clause.params
        else:
            sql = f'SELECT count(*) FROM (SELECT 1 FROM "{collection}" WHERE {clause.sql} LIMIT ?)'
            params = [*clause.params, max(limit, 0)]
        rows = await self._rows(sql, params)
        return int(rows[0][0])

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> None:
        """One executemany (one round trip to the connection's thread), unless a unique index
        needs put's guard on missing values: then a put each."""
        self._writable("insert_many")
        spec = self._store.spec(collection)
        if len(documents) < 2 or any(index.unique for index in spec.indexes):
            for document in documents:
                await self.put(collection, document, expected_version=None)
            return
        if not self.active:
            raise StoreError("this transaction is over; open a new one")
        rows = []
        for document in documents:
            check_field_types(spec, document)
            text = _to_json({**document, VERSION_FIELD: 1})
            rows.append((document[ID_FIELD], 1, text, *column_values(spec, _from_json(text))))
        fields = indexed_fields(spec)
        names = "".join(f", {column(f)}" for f in fields)
        before = self._connection.total_changes
        try:
            await self._connection.executemany(
                f'INSERT INTO "{collection}" (id, version, doc{names})'
                f" VALUES (?, ?, ?{', ?' * len(fields)})",
                rows,
            )
        except sqlite3.IntegrityError as exc:  # the primary key: no unique index here
            doc_id = documents[self._connection.total_changes - before][ID_FIELD]
            actual = await self._version(collection, doc_id)
            raise ConflictError(collection, doc_id, None, actual) from exc

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        """One executemany: one round trip to the connection's thread for all of them."""
        self._writable("add_to_outbox")
        if not self.active:
            raise StoreError("this transaction is over; open a new one")
        if messages:
            await sqlite_outbox.add_to_outbox(self._connection, messages)

    async def mark_processed(self, inbox_key: str) -> bool:
        self._writable("mark_processed")
        if not self.active:
            raise StoreError("this transaction is over; open a new one")
        return await sqlite_outbox.mark_processed(self._connection, inbox_key, datetime.now(UTC))


def _violated_index(spec: Collection, exc: sqlite3.IntegrityError) -> str:
    match = _UNIQUE_INDEX.search(str(exc))
    for index in spec.indexes:
        if match and match.group(1) == index_name(spec.name, index):
            return index.name
    return next((i.name for i in spec.indexes if i.unique), "unique index")


Synchronous = Literal["NORMAL", "FULL", "EXTRA"]


class SqliteStore(OutboxMethods):
    """`SqliteStore(Path("var/ticket.sqlite3"))`. Writes take turns on one connection, behind
    an asyncio lock and BEGIN IMMEDIATE (so a writer in another process waits too), and the
    writers waiting meanwhile share one COMMIT (sqlite_group_commit.py); reads
    (`read()`, the relay's `outbox_due`) run on up to `readers` read-only connections and
    wait for neither. `synchronous`: FULL (the default) syncs the WAL at every commit, so a
    commit survives a power loss; NORMAL only at checkpoints, so the last commits survive
    a crash of the process but not of the machine (bench/store_commit.py measures both).
    `cache_mib`: the writer's page cache (SQLite's default is 2 MiB; index pages that stay
    in memory make a large collection's updates faster); readers keep SQLite's default.
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous = "FULL",
        readers: int = 4,
        cache_mib: int = 32,
    ):
        if synchronous not in get_args(Synchronous):
            raise ValueError(
                f"invalid SQLite synchronous {synchronous!r}: expected one of"
                f" {', '.join(get_args(Synchronous))}"
            )
        if readers < 1:
            raise ValueError(f"a SQLite store needs at least one reader connection, not {readers}")
        self.path = path
        self.synchronous = synchronous
        self.cache_mib = cache_mib
        self._reader_count = readers
        self._connection: aiosqlite.Connection | None = None
        self._readers: ReaderPool | None = None
        self._specs: dict[str, Collection] = {}
        self._lock = asyncio.Lock()
        self._writer = GroupCommit(self._lock, self._open_connection)

    async def open(self, collections: Sequence[Collection]) -> None:
        for spec in collections:
            checked_collection(spec.name)
            for index in spec.indexes:
                create_index_sql(spec.name, index)  # checks the field names before any I/O
            require_field_types(spec)
        if self._connection is None:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
            self._connection = await connect(
                self.path,
                [
                    "PRAGMA journal_mode=WAL",
                    f"PRAGMA synchronous={self.synchronous}",
                    f"PRAGMA cache_size=-{self.cache_mib * 1024}",
                ],
            )
            self._readers = ReaderPool(self.path, self._reader_count)
        try:
            async with self._writer.unit() as connection:
                await sqlite_outbox.create_outbox_and_inbox(connection)
                for spec in collections:
                    await migrate(connection, spec)
        except BaseException:
            # Nothing of the migration stays (one transaction); nor do the connections, whose
            # threads would otherwise keep the process alive after the caller gives up.
            await self.close()
            raise
        self._specs.update({spec.name: spec for spec in collections})

    async def close(self) -> None:
        await self._writer.close()
        async with self._lock:
            if self._readers is not None:
                readers, self._readers = self._readers, None
                await readers.close()
            if self._connection is not None:
                connection, self._connection = self._connection, None
                await connection.close()

    async def ping(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.execute_fetchall("SELECT 1")
        except (sqlite3.Error, ValueError):
            return False
        return True

    def spec(self, collection: str) -> Collection:
        try:
            return self._specs[collection]
        except KeyError:
            raise UnknownCollectionError(collection) from None

    def _open_connection(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise StoreError(f"the store at {self.path} is not open")
        return self._connection

    def _open_readers(self) -> ReaderPool:
        if self._readers is None:
            raise StoreError(f"the store at {self.path} is not open")
        return self._readers

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        """A unit of the writer's group commit (sqlite_group_commit.py): BEGIN IMMEDIATE
        takes the write lock up front (no upgrade deadlock between processes; a get, then a
        put at its version, cannot race); writers already waiting share its COMMIT."""
        async with self._writer.unit() as connection:
            tx = SqliteTransaction(self, connection)
            try:
                yield tx
            finally:
                tx.active = False

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteTransaction]:
        """A deferred BEGIN on a reader: its snapshot is taken at its first read and kept
        until COMMIT; it never takes the writer's lock."""
        async with self._open_readers().connection() as connection:
            tx = SqliteTransaction(self, connection, read_only=True)
            try:
                async with transaction_on(connection, "BEGIN"):
                    yield tx
            finally:
                tx.active = False

    def _outbox(self) -> SqliteOutbox:
        return SqliteOutbox(self._writer, self._open_readers())
