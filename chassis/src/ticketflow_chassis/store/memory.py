"""In-memory adapter of the document-store port, for unit tests; it passes the same
contract suite as the SQLite and MongoDB adapters. By default its writers run one at a
time (as SQLite's); with `snapshot_isolation=True` they run side by side (as MongoDB's)."""

from __future__ import annotations

import asyncio
import copy
import functools
import operator
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

from ticketflow_chassis.store.cursors import decode_cursor, encode_cursor
from ticketflow_chassis.store.index_rule import ordering, require_index, tie_break
from ticketflow_chassis.store.memory_outbox import due_in_order, unparked, with_failure
from ticketflow_chassis.store.port import (
    ID_FIELD,
    VERSION_FIELD,
    Collection,
    ConcurrentWriteError,
    ConflictError,
    Document,
    Eq,
    Exists,
    Filter,
    In,
    OutboxEntry,
    OutboxMessage,
    Page,
    Query,
    ReadOnlyError,
    SortKey,
    UniqueViolationError,
    UnknownCollectionError,
    check_field_types,
    field_value,
    require_field_types,
)


def matches(document: Document, flt: Filter) -> bool:
    value = field_value(document, flt.field)
    if isinstance(flt, Eq):
        return bool(value == flt.value)
    if isinstance(flt, In):
        return value in flt.values
    if isinstance(flt, Exists):
        return (value is not None) == flt.present
    if value is None:
        return False
    bounds = (
        (flt.gt, operator.gt),
        (flt.gte, operator.ge),
        (flt.lt, operator.lt),
        (flt.lte, operator.le),
    )
    try:
        return all(bound is None or check(value, bound) for bound, check in bounds)
    except TypeError:  # like MongoDB, a bound only matches values of a comparable type
        return False


def _compare(a: Any, b: Any) -> int:
    """Missing and null sort first, as in SQLite and MongoDB."""
    if a is None or b is None:
        return int(a is not None) - int(b is not None)
    return int(a > b) - int(a < b)


def sort_documents(documents: list[Document], sort: Sequence[SortKey]) -> list[Document]:
    """In the order of `ordering(sort)`: the keys, then the id in the last key's direction."""
    keys = ordering(sort)

    def order(x: Document, y: Document) -> int:
        for key in keys:
            result = _compare(field_value(x, key.field), field_value(y, key.field))
            if result:
                return -result if key.descending else result
        return 0

    return sorted(documents, key=functools.cmp_to_key(order))


def after_cursor(document: Document, sort: Sequence[SortKey], cursor: list[Any]) -> bool:
    """Whether `document` comes strictly after the cursor's (sort values..., id)."""
    for key, last in zip([*sort, tie_break(sort)], cursor, strict=True):
        result = _compare(field_value(document, key.field), last)
        if result:
            return (result < 0) if key.descending else (result > 0)
    return False


class _State:
    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Document]] = {}
        self.outbox: list[OutboxEntry] = []
        self.inbox: dict[str, datetime] = {}  # key -> when it was processed
        self.next_seq = 1


class MemoryTransaction:
    def __init__(
        self,
        store: MemoryStore,
        state: _State,
        *,
        read_only: bool = False,
        round_trips: bool = False,
    ):
        self._store = store
        self._state = state
        self.read_only = read_only
        self._round_trips = round_trips
        # What a snapshot-isolation commit merges: the documents written, the inbox keys
        # marked, the messages added.
        self.written: set[tuple[str, str]] = set()
        self.processed: set[str] = set()
        self.outboxed: list[OutboxMessage] = []

    async def _round_trip(self) -> None:
        """Under snapshot isolation every operation yields to the event loop, as a round trip
        to MongoDB would, so that concurrent transactions interleave."""
        if self._round_trips:
            await asyncio.sleep(0)

    def processed_at(self, inbox_key: str) -> datetime:
        return self._state.inbox[inbox_key]

    def staged(self, collection: str, doc_id: str) -> Document | None:
        """The document as this transaction left it (None: deleted or never written)."""
        return self._state.collections[collection].get(doc_id)

    def _writable(self, operation: str) -> None:
        if self.read_only:
            raise ReadOnlyError(operation)

    def _documents(self, collection: str) -> dict[str, Document]:
        try:
            return self._state.collections[collection]
        except KeyError:
            raise UnknownCollectionError(collection) from None

    async def get(self, collection: str, doc_id: str) -> Document | None:
        await self._round_trip()
        document = self._documents(collection).get(doc_id)
        return copy.deepcopy(document) if document is not None else None

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        await self._round_trip()
        self._writable("put")
        documents = self._documents(collection)
        check_field_types(self._store.spec(collection), document)
        doc_id = document[ID_FIELD]
        current = documents.get(doc_id)
        actual = current[VERSION_FIELD] if current is not None else None
        if actual != expected_version:
            raise ConflictError(collection, doc_id, expected_version, actual)
        stored = copy.deepcopy(document)
        stored[VERSION_FIELD] = (expected_version or 0) + 1
        self._store.check_unique(collection, documents, stored)
        documents[doc_id] = stored
        self.written.add((collection, doc_id))
        return copy.deepcopy(stored)

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> None:
        for document in documents:
            await self.put(collection, document, expected_version=None)

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        await self._round_trip()
        self._writable("delete")
        documents = self._documents(collection)
        current = documents.get(doc_id)
        actual = current[VERSION_FIELD] if current is not None else None
        if actual != expected_version:
            raise ConflictError(collection, doc_id, expected_version, actual)
        del documents[doc_id]
        self.written.add((collection, doc_id))

    def _matching(self, collection: str, filters: tuple[Filter, ...]) -> list[Document]:
        return [
            d for d in self._documents(collection).values() if all(matches(d, f) for f in filters)
        ]

    async def find(self, collection: str, query: Query) -> Page:
        await self._round_trip()
        require_index(self._store.spec(collection), query.filters, query.sort)
        found = sort_documents(self._matching(collection, query.filters), query.sort)
        if query.after is not None:
            cursor = decode_cursor(query.after, query.sort)
            found = [d for d in found if after_cursor(d, query.sort, cursor)]
        items = [copy.deepcopy(d) for d in found[: query.limit]]
        more = len(found) > query.limit
        return Page(items, encode_cursor(items[-1], query.sort) if more and items else None)

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        await self._round_trip()
        require_index(self._store.spec(collection), filters, ())
        found = 0
        for document in self._documents(collection).values():
            if limit is not None and found >= limit:
                break
            found += all(matches(document, f) for f in filters)
        return found

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        """All or none of `messages`, as the other stores."""
        await self._round_trip()
        self._writable("add_to_outbox")
        taken = {e.message.message_id for e in self._state.outbox}
        for message in messages:
            if message.message_id in taken:
                raise UniqueViolationError("_outbox", "message_id", message.message_id)
            taken.add(message.message_id)
        for message in messages:
            self._state.outbox.append(OutboxEntry(self._state.next_seq, message))
            self._state.next_seq += 1
        self.outboxed += messages

    async def mark_processed(self, inbox_key: str) -> bool:
        await self._round_trip()
        self._writable("mark_processed")
        if inbox_key in self._state.inbox:
            return False
        self._state.inbox[inbox_key] = datetime.now(UTC)
        self.processed.add(inbox_key)
        return True


class _HeldCommits:
    """The first `count` transactions to begin wait for one another at their ends."""

    def __init__(self, count: int):
        self._unclaimed = count
        self._running = count
        self._all_ran = asyncio.Event()

    def take(self) -> _HeldCommits | None:
        if self._unclaimed == 0:
            return None
        self._unclaimed -= 1
        return self

    async def arrive(self) -> None:
        """One that failed arrives too, so that the others do not wait for it forever."""
        self._running -= 1
        if self._running == 0:
            self._all_ran.set()
        await self._all_ran.wait()


class MemoryStore:
    """Transactions run one at a time on a copy of the state that replaces it on commit;
    read-only ones on a copy of their own, beside them.

    With `snapshot_isolation=True`, MongoDB's isolation instead, for race tests: writers run
    side by side, each reading the state committed when it began (plus its own writes), so
    write skew passes; at commit, one that wrote a document (or an inbox key) another
    committed after it began fails with ConcurrentWriteError: the first committer wins."""

    def __init__(self, *, snapshot_isolation: bool = False) -> None:
        self._state = _State()
        self._specs: dict[str, Collection] = {}
        self._lock = asyncio.Lock()
        self._snapshot_isolation = snapshot_isolation
        self._commits = 0
        self._committed_at: dict[tuple[str, str], int] = {}
        self._held: _HeldCommits | None = None

    async def open(self, collections: Sequence[Collection]) -> None:
        for spec in collections:
            require_field_types(spec)
        for spec in collections:
            self._specs[spec.name] = spec
            self._state.collections.setdefault(spec.name, {})

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    def spec(self, collection: str) -> Collection:
        try:
            return self._specs[collection]
        except KeyError:
            raise UnknownCollectionError(collection) from None

    def check_unique(self, collection: str, documents: dict[str, Document], new: Document) -> None:
        for index in self.spec(collection).indexes:
            if not index.unique:
                continue
            key = [field_value(new, f) for f in index.field_names]
            for other in documents.values():
                if (
                    other[ID_FIELD] != new[ID_FIELD]
                    and [field_value(other, f) for f in index.field_names] == key
                ):
                    raise UniqueViolationError(collection, index.name, new[ID_FIELD])

    @contextmanager
    def overlapping(self, transactions: int) -> Iterator[None]:
        """Under snapshot isolation: the next `transactions` write transactions each wait,
        before committing, until all of them have run: every one read before any committed,
        the worst interleaving of a race (for tests). Their retries do not wait."""
        if not self._snapshot_isolation:
            raise ValueError("only transactions under snapshot isolation run side by side")
        self._held = _HeldCommits(transactions)
        try:
            yield
        finally:
            self._held = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        if self._snapshot_isolation:
            began = self._commits
            held = self._held.take() if self._held is not None else None
            transaction = MemoryTransaction(self, copy.deepcopy(self._state), round_trips=True)
            try:
                yield transaction
            finally:
                if held is not None:
                    await held.arrive()
            self._commit_snapshot(transaction, began)
            return
        async with self._lock:
            staged = copy.deepcopy(self._state)
            yield MemoryTransaction(self, staged)
            self._state = staged

    @asynccontextmanager
    async def read(self) -> AsyncIterator[MemoryTransaction]:
        """A copy of the committed state, taken without the lock (writers work on copies of
        their own): the snapshot, and never a wait for a writer."""
        yield MemoryTransaction(
            self,
            copy.deepcopy(self._state),
            read_only=True,
            round_trips=self._snapshot_isolation,
        )

    def _commit_snapshot(self, transaction: MemoryTransaction, began: int) -> None:
        """Merge what `transaction` wrote into the committed state, or raise
        ConcurrentWriteError (committing nothing) when another commit since `began` wrote the
        same document or inbox key, or took a unique key it takes: WiredTiger's write
        conflict, which MongoDB reports as a transient transaction error."""
        for name, doc_id in transaction.written:
            if self._committed_at.get((name, doc_id), 0) > began:
                raise ConcurrentWriteError(name, doc_id)
        for key in transaction.processed & self._state.inbox.keys():
            raise ConcurrentWriteError("_inbox", key)
        merged = {name: dict(self._state.collections[name]) for name, _ in transaction.written}
        for name, doc_id in transaction.written:
            mine = transaction.staged(name, doc_id)
            if mine is None:
                merged[name].pop(doc_id, None)
            else:
                merged[name][doc_id] = mine
        for name, doc_id in transaction.written:
            mine = merged[name].get(doc_id)
            try:
                if mine is not None:
                    self.check_unique(name, merged[name], mine)
            except UniqueViolationError:
                raise ConcurrentWriteError(name, doc_id) from None
        self._commits += 1
        self._state.collections.update(merged)
        self._committed_at.update(dict.fromkeys(transaction.written, self._commits))
        self._state.inbox.update(
            (key, transaction.processed_at(key)) for key in transaction.processed
        )
        for message in transaction.outboxed:
            self._state.outbox.append(OutboxEntry(self._state.next_seq, message))
            self._state.next_seq += 1

    # Under the lock: a transaction commits by replacing the whole state, which would
    # otherwise bring back outbox entries or inbox marks changed while it ran.
    async def outbox_due(self, limit: int, now: datetime) -> list[OutboxEntry]:
        async with self._lock:
            return due_in_order(self._state.outbox, limit, now)

    async def outbox_entries(self, *, parked_only: bool = False) -> list[OutboxEntry]:
        async with self._lock:
            return [e for e in self._state.outbox if e.parked_at is not None or not parked_only]

    async def remove_from_outbox(self, message_ids: Sequence[str]) -> None:
        gone = set(message_ids)
        async with self._lock:
            self._state.outbox = [e for e in self._state.outbox if e.message.message_id not in gone]

    async def outbox_failed(
        self, message_id: str, error: str, *, retry_at: datetime | None, now: datetime
    ) -> None:
        async with self._lock:
            self._state.outbox = with_failure(self._state.outbox, message_id, error, retry_at, now)

    async def outbox_unpark(self, message_ids: Sequence[str] | None = None) -> int:
        async with self._lock:
            self._state.outbox, changed = unparked(self._state.outbox, message_ids)
        return changed

    async def expire_processed(self, before: datetime) -> int:
        async with self._lock:
            inbox = self._state.inbox
            self._state.inbox = {key: at for key, at in inbox.items() if at >= before}
            return len(inbox) - len(self._state.inbox)
