"""The document-store port: what every adapter (memory, SQLite, MongoDB) offers, and nothing more.

Documents are JSON objects with a string `id` and an integer `version` kept by the
store. Dates are stored as ISO-8601 UTC strings so that ranges compare correctly.
Every read and write happens inside a transaction that also carries the outbox
and the inbox, so state, published messages and processed message ids commit
together. `find` and `count` refuse a filter or sort that no declared index serves; an
index serves a sort in its fields' directions or all of them reversed. Ties are ordered by
`id` in the direction of the last sort key, as the `id` that ends an index is.
A missing field and a null one are the same value, which sorts before every other.
After a StoreError inside a transaction, leave the block: MongoDB has aborted it.
`store.read()` opens a read-only transaction: one consistent snapshot that runs beside
the writers (on SQLite without waiting for the one writer) and refuses every write.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

Document = dict[str, Any]
ID_FIELD = "id"
VERSION_FIELD = "version"


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


@dataclass(frozen=True)
class Eq:
    field: str
    value: Any


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    field: str
    gt: Any = None
    gte: Any = None
    lt: Any = None
    lte: Any = None


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
    name: str
    indexes: tuple[Index, ...] = ()


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
    """A message written in a transaction and published by the relay after commit."""

    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox message with its position; the relay publishes entries in `seq` order."""

    seq: int
    message: OutboxMessage


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

    async def outbox_batch(self, limit: int) -> list[OutboxEntry]: ...

    async def remove_from_outbox(self, message_ids: Sequence[str]) -> None: ...


def tie_break(sort: Sequence[SortKey]) -> SortKey:
    """`id` in the direction of the last sort key (ascending without one), so that one index
    read forwards or backwards gives the whole order: `created_at desc` orders ties `id desc`.
    A cursor holds the sort values, then the id for this key."""
    return SortKey(ID_FIELD, descending=bool(sort) and sort[-1].descending)


def ordering(sort: Sequence[SortKey]) -> tuple[SortKey, ...]:
    """The whole order of a query sorted by `sort`: its keys, then the tie-break."""
    if any(k.field == ID_FIELD for k in sort):
        return tuple(sort)
    return (*sort, tie_break(sort))


def served_by_index(
    collection: Collection, filters: Sequence[Filter], sort: Sequence[SortKey]
) -> bool:
    """True when one declared index can answer the query by reading it in order, forwards
    or backwards (the equality-sort-range rule): its first fields are the equality fields
    (any order, any direction), the sort fields follow in order, each in its direction in
    the index or each in the opposite one, the `id` tie-break too where the index orders
    ties; every range or exists field comes after them. A lookup by `id` alone is always
    served.

    (account_id, pipeline_id, created_at) serves Eq(account_id)+Eq(pipeline_id) sorted
    by created_at either way, but not Eq(account_id) sorted by created_at; (a, b) serves
    `a asc, b asc` and `a desc, b desc`, and `a asc, b desc` only when declared (a, -b) or
    (-a, b).
    """
    equality = {f.field for f in filters if isinstance(f, Eq | In)} - {ID_FIELD}
    ranges = {f.field for f in filters if isinstance(f, Range | Exists)} - equality - {ID_FIELD}
    whole = ordering(sort)
    whole = whole[: [k.field for k in whole].index(ID_FIELD) + 1]  # keys after id order nothing
    sort_keys = [k for k in whole[:-1] if k.field not in equality]
    if not equality and not ranges and not sort_keys:
        return True
    return any(
        _index_serves(_index_order(index), equality, [*sort_keys, whole[-1]], ranges)
        for index in collection.indexes
    )


def _index_order(index: Index) -> tuple[SortKey, ...]:
    """The order the index holds its entries in: a non-unique one ends with `id`, in the
    direction of its last field (what the SQLite and MongoDB adapters build)."""
    keys = index.keys
    if index.unique or ID_FIELD in index.field_names:
        return keys
    return (*keys, SortKey(ID_FIELD, keys[-1].descending))


def _index_serves(
    keys: tuple[SortKey, ...], equality: set[str], order: list[SortKey], ranges: set[str]
) -> bool:
    """`order` is the sort keys past the equality fields, then the `id` tie-break."""
    head, rest = keys[: len(equality)], keys[len(equality) :]
    if {k.field for k in head} != equality:
        return False
    sort_keys = order[:-1]
    if [k.field for k in rest[: len(sort_keys)]] != [k.field for k in sort_keys]:
        return False
    # Where the index orders ties by id right after the sort fields, that order counts too.
    then = rest[len(sort_keys) : len(sort_keys) + 1]
    walked = order if then and then[0].field == ID_FIELD else sort_keys
    reversed_or_not = {k.descending != i.descending for k, i in zip(walked, rest, strict=False)}
    return len(reversed_or_not) <= 1 and ranges <= {k.field for k in rest}


def require_index(
    collection: Collection, filters: Sequence[Filter], sort: Sequence[SortKey] = ()
) -> None:
    if not served_by_index(collection, filters, sort):
        fields = [f.field for f in filters] + [
            f"-{s.field}" if s.descending else s.field for s in sort
        ]
        raise UnindexedQueryError(
            f"no declared index of {collection.name!r} serves a query on {fields}"
        )


def field_value(document: Document, dotted: str) -> Any:
    """`field_value({"a": {"b": 1}}, "a.b") == 1`; a missing field is None."""
    value: Any = document
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def encode_cursor(document: Document, sort: Sequence[SortKey]) -> str:
    values = [field_value(document, s.field) for s in sort] + [document[ID_FIELD]]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, sort: Sequence[SortKey]) -> list[Any]:
    """The sort values then the id of the last document of the previous page."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError(f"invalid paging cursor {cursor!r}") from exc
    if (
        not isinstance(values, list)
        or len(values) != len(sort) + 1
        or not isinstance(values[-1], str)
    ):
        raise InvalidCursorError(f"invalid paging cursor {cursor!r}")
    return values
