"""The document-store port: what every adapter (memory, SQLite, MongoDB) offers, and nothing more.

Documents are JSON objects with a string `id` and an integer `version` kept by the
store. Dates are stored as ISO-8601 UTC strings so that ranges compare correctly.
Every read and write happens inside a transaction that also carries the outbox
and the inbox, so state, published messages and processed message ids commit
together. `find` and `count` refuse a filter or sort that no declared index serves; an
index serves a sort in its fields' directions or all of them reversed. Ties are ordered by
`id` in the direction of the last sort key, as the `id` that ends an index is (the rule and
the order: index_rule.py; paging cursors: cursors.py).
A missing field and a null one are the same value, which sorts before every other.
After a StoreError inside a transaction, leave the block: MongoDB has aborted it.
`store.read()` opens a read-only transaction: one consistent snapshot that runs beside
the writers (on SQLite without waiting for the one writer) and refuses every write.
Filter values and paging cursors hold JSON scalars only (FilterValueError,
InvalidCursorError), so no client value can become a MongoDB operator. Each indexed field
holds one JSON type, declared in its Collection and checked on every put (FieldTypeError):
MongoDB orders values only within a type, so mixed types would break keyset paging.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol, get_args

Document = dict[str, Any]
ID_FIELD = "id"
VERSION_FIELD = "version"
# What a filter compares with and a cursor holds: a JSON scalar, never an object or array.
Scalar = str | int | float | bool | None
FieldType = Literal["string", "number", "boolean"]
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
# Far above any cursor this store hands out (sort values of a few dozen characters and an
# id); a longer one was not handed out, and is refused before it is decoded.
MAX_CURSOR_LENGTH = 4096


def scoped_id(account_id: str, local_id: str) -> str:
    """The document id of an object whose own id is unique only within its account
    (a pipeline `default`, a property `priority`): `acct-1:default`."""
    return f"{account_id}:{local_id}"


class StoreError(Exception):
    """Base of the store's errors."""


class ConflictError(StoreError):
    """The document's version is not the one the writer expected (or it already exists)."""

    def __init__(self, collection: str, doc_id: str, expected: int | None, actual: int | None):
        self.collection, self.doc_id, self.expected, self.actual = (
            collection,
            doc_id,
            expected,
            actual,
        )
        expectation = "to be new" if expected is None else f"at version {expected}"
        found = "it does not exist" if actual is None else f"it is at version {actual}"
        super().__init__(f"{collection}/{doc_id}: expected {expectation}, but {found}")


class TransientStoreError(StoreError):
    """The store aborted the transaction for a reason that has nothing to do with the data,
    which running the unit of work again from the start may cure: a concurrent transaction
    wrote the same document first, a failover, a dropped connection, a lock held too long.
    Units of work retry on it (`UnitOfWork.retrying`) for a bounded time."""


class ConcurrentWriteError(TransientStoreError):
    """Another transaction committed a write to the same document (or unique key) after this
    one began: MongoDB's write conflict (a TransientTransactionError), modelled by the
    in-memory store under snapshot isolation. Nothing of this transaction was written."""

    def __init__(self, collection: str, doc_id: str, cause: object = None):
        self.collection, self.doc_id = collection, doc_id
        reason = f" ({cause})" if cause is not None else ""
        super().__init__(
            f"{collection}/{doc_id}: a concurrent transaction wrote it first; the transaction"
            f" was aborted and may be run again from the start{reason}"
        )


class UnknownCommitError(StoreError):
    """The commit's outcome stayed unknown after retrying it for the bounded time (MongoDB's
    UnknownTransactionCommitResult): the writes may or may not have been applied."""


class UniqueViolationError(StoreError):
    """Another document already holds the values of a unique index."""

    def __init__(self, collection: str, index: str, doc_id: str):
        self.collection, self.index, self.doc_id = collection, index, doc_id
        super().__init__(f"{collection}/{doc_id}: another document has the same {index}")


class ReadOnlyError(StoreError):
    """A write (put, delete, outbox, inbox) inside a read-only transaction."""

    def __init__(self, operation: str):
        super().__init__(f"{operation} in a read-only transaction: write in store.transaction()")


class UnindexedQueryError(StoreError):
    """A find or count that no declared index serves: a bug at a million documents."""


class InvalidCursorError(StoreError, ValueError):
    """A paging cursor this store did not hand out."""


class UnknownCollectionError(StoreError):
    """A collection that was not declared when the store was opened."""


class FilterValueError(StoreError, ValueError):
    """A filter value that is not a JSON scalar: an object or array would be read as query
    operators by MongoDB (`{"$gt": ""}`), so the port refuses it when the filter is built."""


class FieldTypeError(StoreError, ValueError):
    """A put whose document holds, in an indexed field, a value of another JSON type than the
    one the collection declares for it; nothing is written."""

    def __init__(self, collection: str, doc_id: str, field_name: str, expected: str, actual: str):
        self.collection, self.doc_id, self.field = collection, doc_id, field_name
        self.expected, self.actual = expected, actual
        super().__init__(
            f"{collection}/{doc_id}: the indexed field {field_name!r} holds {expected}"
            f" values, not {actual}"
        )


def json_type(value: Any) -> str:
    """`json_type(True) == "boolean"`, `json_type(3) == "number"`: bool is not a number."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def is_scalar(value: Any) -> bool:
    """A JSON scalar: null, a boolean, a finite number or a string."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int)


def _require_scalars(flt: Filter, values: Sequence[Any]) -> None:
    for value in values:
        if not is_scalar(value):
            raise FilterValueError(
                f"a {type(flt).__name__} filter on {flt.field!r} compares with JSON scalars"
                f" (string, number, boolean, null), not {json_type(value)} {value!r}"
            )


@dataclass(frozen=True)
class Eq:
    field: str
    value: Scalar

    def __post_init__(self) -> None:
        _require_scalars(self, [self.value])


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple | list):
            raise FilterValueError(
                f"an In filter on {self.field!r} takes a tuple of values, not {self.values!r}"
            )
        _require_scalars(self, self.values)


@dataclass(frozen=True)
class Range:
    field: str
    gt: Scalar = None
    gte: Scalar = None
    lt: Scalar = None
    lte: Scalar = None

    def __post_init__(self) -> None:
        _require_scalars(self, [self.gt, self.gte, self.lt, self.lte])


@dataclass(frozen=True)
class Exists:
    field: str
    present: bool = True


Filter = Eq | In | Range | Exists


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Index:
    """Fields in order, each ascending or, written `-field`, descending; `unique` makes the
    store refuse two documents with equal values (missing counts as a value, as in MongoDB:
    only one document may lack the fields). A non-unique index ends with `id`, in the
    direction of its last field, so that it also orders the ties of a sort.

        Index(("account_id", "status", "-created_at"))  # serves status asc, created_at desc
    """

    fields: tuple[str, ...]
    unique: bool = False

    def __post_init__(self) -> None:
        names = self.field_names
        if not names or any(not n or n.startswith("-") for n in names):
            raise ValueError(f"invalid index fields {self.fields!r}: expected 'a' or '-a'")
        if len(set(names)) != len(names):
            raise ValueError(f"index fields {self.fields!r} name a field twice")

    @property
    def keys(self) -> tuple[SortKey, ...]:
        return tuple(SortKey(f.removeprefix("-"), f.startswith("-")) for f in self.fields)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(k.field for k in self.keys)

    @property
    def name(self) -> str:
        """`ix_account_id__created_at_desc`; an all-ascending index keeps the name it had
        before indexes had directions, so stores built then are not rebuilt."""
        return "ix_" + "__".join(
            k.field.replace(".", "_") + ("_desc" if k.descending else "") for k in self.keys
        )


@dataclass(frozen=True)
class Collection:
    """A collection and its indexes, with the JSON type of every field they name but `id`:

        Collection("tickets", (Index(("account_id", "created_at")),),
                   field_types={"account_id": "string", "created_at": "string"})

    A put refuses a document whose indexed field holds another type (FieldTypeError); null
    and missing stay allowed. Dates are ISO-8601 strings; a boolean is not a number."""

    name: str
    indexes: tuple[Index, ...] = ()
    field_types: Mapping[str, FieldType] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_types", MappingProxyType(dict(self.field_types)))


def require_field_types(collection: Collection) -> None:
    """What each adapter's `open` checks first: every indexed field but `id` has a declared
    type, one of FIELD_TYPES, and no type is declared for a field no index names."""
    indexed = {f for index in collection.indexes for f in index.field_names} - {ID_FIELD}
    declared = dict(collection.field_types)
    for name in sorted(indexed - declared.keys()):
        raise ValueError(
            f"collection {collection.name!r}: the indexed field {name!r} has no declared type;"
            f" add it to field_types as one of {', '.join(FIELD_TYPES)}"
        )
    for name, kind in sorted(declared.items()):
        if name not in indexed:
            raise ValueError(
                f"collection {collection.name!r}: field_types declares {name!r},"
                " which no index names"
            )
        if kind not in FIELD_TYPES:
            raise ValueError(
                f"collection {collection.name!r}: the type of {name!r} is {kind!r},"
                f" not one of {', '.join(FIELD_TYPES)}"
            )


def check_field_types(collection: Collection, document: Document) -> None:
    """What each adapter's `put` checks before it writes: FieldTypeError when an indexed field
    holds a value of another type than its declared one (null or missing is allowed)."""
    for name, expected in collection.field_types.items():
        actual = json_type(field_value(document, name))
        if actual not in ("null", expected):
            raise FieldTypeError(
                collection.name, str(document.get(ID_FIELD)), name, expected, actual
            )


@dataclass(frozen=True)
class Query:
    """Filters are ANDed. Results are ordered by `sort`, then by `id` in the direction of the
    last sort key (`ordering`); `after` is a Page's cursor."""

    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = 100
    after: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Document]
    next_after: str | None


@dataclass(frozen=True)
class OutboxMessage:
    """A message written in a transaction and published by the relay after commit.

    `ordering_key`: what the message is about (uow.ordering_key); the relay publishes the
    messages of one key in `seq` order, and one that cannot be published holds back only
    the later ones of its key."""

    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    ordering_key: str = ""


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox message with its position and delivery state: how many publishes failed,
    the last error, when the relay tries again (None: at once), when it gave up (parked:
    only `ticketflow outbox replay` brings it back)."""

    seq: int
    message: OutboxMessage
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    parked_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.parked_at is None and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )


def stored_time(moment: datetime) -> str:
    """A UTC time as the SQLite adapter stores it: one fixed width, so that text order is
    time order (`isoformat()` drops the microseconds when they are 0)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Transaction(Protocol):
    async def get(self, collection: str, doc_id: str) -> Document | None: ...

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        """Insert (`expected_version=None`) or replace at `expected_version`; returns the
        document with its new version. Raises ConflictError otherwise."""

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        """Raises ConflictError when the document is missing or at another version."""

    async def find(self, collection: str, query: Query) -> Page: ...

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        """The number of matches, or `limit` when there are at least that many: the store
        stops reading at `limit` (a capped total costs at most `limit` index entries)."""

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> None:
        """Insert new documents (each at version 1) in their order, in one write where the
        store can: as many `put(..., expected_version=None)`, with the same errors, for a
        batch of new records (a unit of work's appended timeline entries). After an error,
        some may be written: leave the transaction, which rolls back."""

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        """Append `messages` to the outbox in their order, in one write where the store can
        (a unit of work records its messages together when its block ends)."""

    async def mark_processed(self, inbox_key: str) -> bool:
        """Record a consumed message; False when it was recorded before (a redelivery)."""


class DocumentStore(Protocol):
    async def open(self, collections: Sequence[Collection]) -> None:
        """Connect and create the declared collections and indexes (idempotent)."""

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Commits when the block exits normally, rolls back when it raises."""

    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """A read-only transaction: get, find and count see one snapshot of committed data
        for the whole block, without waiting for a writer; put, delete, add_to_outbox and
        mark_processed raise ReadOnlyError.

            async with store.read() as tx:
                ticket = await tx.get("tickets", ticket_id)
        """

    async def outbox_due(self, limit: int, now: datetime) -> list[OutboxEntry]:
        """Up to `limit` entries for the relay to publish now, in `seq` order: not parked,
        due (`next_attempt_at` None or not after `now`), and behind no entry of their
        ordering key that is parked or waiting for its next attempt."""

    async def outbox_entries(self, *, parked_only: bool = False) -> list[OutboxEntry]:
        """Every entry (or every parked one) in `seq` order, with its delivery state."""

    async def remove_from_outbox(self, message_ids: Sequence[str]) -> None:
        """The entries the broker confirmed; ids no longer there are ignored."""

    async def outbox_failed(
        self, message_id: str, error: str, *, retry_at: datetime | None, now: datetime
    ) -> None:
        """A failed publish: attempts + 1, `last_error`; tried again at `retry_at`, or
        parked at `now` when `retry_at` is None."""

    async def outbox_unpark(self, message_ids: Sequence[str] | None = None) -> int:
        """Make entries due at once with no failures counted: those of `message_ids` (parked
        or waiting), or every parked one when None. Returns how many changed."""

    async def expire_processed(self, before: datetime) -> int:
        """Forget inbox marks recorded before `before`; returns how many went."""


def field_value(document: Document, dotted: str) -> Any:
    """`field_value({"a": {"b": 1}}, "a.b") == 1`; a missing field is None."""
    value: Any = document
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
