"""MongoDB adapter of the document-store port (PyMongo's async API): one collection per
declared collection, plus `_outbox` and `_inbox`, all written in one
multi-document transaction (MongoDB needs a replica set for that).
"""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    CollectionInvalid,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from ticketflow_chassis.store import mongo_outbox
from ticketflow_chassis.store.cursors import decode_cursor, encode_cursor
from ticketflow_chassis.store.index_rule import require_index
from ticketflow_chassis.store.mongo_outbox import INBOX, OUTBOX, MongoOutbox, outbox_document
from ticketflow_chassis.store.mongo_query import (
    MONGO_ID,
    after,
    all_of,
    from_stored,
    to_filter,
    to_sort,
    to_stored,
)
from ticketflow_chassis.store.mongo_schema import declare_indexes, index_spec
from ticketflow_chassis.store.outbox_methods import OutboxMethods
from ticketflow_chassis.store.port import (
    ID_FIELD,
    VERSION_FIELD,
    Collection,
    ConcurrentWriteError,
    ConflictError,
    Document,
    Filter,
    OutboxMessage,
    Page,
    Query,
    ReadOnlyError,
    StoreError,
    TransientStoreError,
    UniqueViolationError,
    UnknownCollectionError,
    UnknownCommitError,
    check_field_types,
    require_field_types,
)
from ticketflow_chassis.store.sqlite_query import checked_collection

_INDEX_IN_MESSAGE = re.compile(r"index: (\S+)")
_MAX_TIME_MS_EXPIRED = 50

Raw = dict[str, Any]


class MongoTransaction:
    def __init__(
        self,
        store: MongoStore,
        database: AsyncDatabase[Raw],
        session: AsyncClientSession,
        *,
        read_only: bool = False,
    ):
        self._store = store
        self._db = database
        self._session = session
        self.read_only = read_only

    def _writable(self, operation: str) -> None:
        if self.read_only:
            raise ReadOnlyError(operation)

    def _collection(self, collection: str) -> AsyncCollection[Raw]:
        self._store.spec(collection)
        return self._db[collection]

    async def _version(self, collection: str, doc_id: str) -> int | None:
        current = await self._db[collection].find_one(
            {MONGO_ID: doc_id}, {VERSION_FIELD: 1}, session=self._session
        )
        return None if current is None else int(current[VERSION_FIELD])

    async def get(self, collection: str, doc_id: str) -> Document | None:
        target = self._collection(collection)
        with _conflicts(collection, doc_id):
            stored = await target.find_one({MONGO_ID: doc_id}, session=self._session)
        return None if stored is None else from_stored(stored)

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        self._writable("put")
        target = self._collection(collection)
        check_field_types(self._store.spec(collection), document)
        doc_id = document[ID_FIELD]
        stored = copy.deepcopy({**document, VERSION_FIELD: (expected_version or 0) + 1})
        with _conflicts(collection, doc_id):
            # Read before insert: a DuplicateKeyError would abort the whole transaction.
            if expected_version is None:
                actual = await self._version(collection, doc_id)
                if actual is not None:
                    raise ConflictError(collection, doc_id, None, actual)
            try:
                if expected_version is None:
                    await target.insert_one(to_stored(stored), session=self._session)
                    return copy.deepcopy(stored)
                result = await target.replace_one(
                    {MONGO_ID: doc_id, VERSION_FIELD: expected_version},
                    to_stored(stored),
                    session=self._session,
                )
            except DuplicateKeyError as exc:
                raise _duplicate(self._store.spec(collection), doc_id, exc) from exc
            if result.matched_count == 0:
                actual = await self._version(collection, doc_id)
                raise ConflictError(collection, doc_id, expected_version, actual)
        return copy.deepcopy(stored)

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> None:
        """One insert_many, ordered, after one read of the ids (a DuplicateKeyError would
        abort the transaction, as in put)."""
        self._writable("insert_many")
        target = self._collection(collection)
        spec = self._store.spec(collection)
        if not documents:
            return
        for document in documents:
            check_field_types(spec, document)
        ids = [document[ID_FIELD] for document in documents]
        repeated = next((i for n, i in enumerate(ids) if i in ids[:n]), None)
        if repeated is not None:  # the first of them would be there at version 1
            raise ConflictError(collection, repeated, None, 1)
        with _conflicts(collection, ids[0]):
            taken = await target.find_one(
                {MONGO_ID: {"$in": ids}}, {VERSION_FIELD: 1}, session=self._session
            )
            if taken is not None:
                raise ConflictError(collection, taken[MONGO_ID], None, taken[VERSION_FIELD])
            try:
                await target.insert_many(
                    [to_stored(copy.deepcopy({**d, VERSION_FIELD: 1})) for d in documents],
                    ordered=True,
                    session=self._session,
                )
            except DuplicateKeyError as exc:
                raise _duplicate(spec, ids[0], exc) from exc

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        self._writable("delete")
        target = self._collection(collection)
        with _conflicts(collection, doc_id):
            result = await target.delete_one(
                {MONGO_ID: doc_id, VERSION_FIELD: expected_version}, session=self._session
            )
            if result.deleted_count == 0:
                actual = await self._version(collection, doc_id)
                raise ConflictError(collection, doc_id, expected_version, actual)

    async def find(self, collection: str, query: Query) -> Page:
        target = self._collection(collection)
        require_index(self._store.spec(collection), query.filters, query.sort)
        conditions = [to_filter(query.filters)] if query.filters else []
        if query.after is not None:
            conditions.append(after(query.sort, decode_cursor(query.after, query.sort)))
        with _conflicts(collection, "*"):
            # limit + 1 is never 0, which MongoDB would read as "no limit".
            stored = await target.find(
                all_of(conditions),
                sort=to_sort(query.sort),
                limit=query.limit + 1,
                session=self._session,
            ).to_list()
        items = [from_stored(s) for s in stored[: query.limit]]
        more = len(stored) > query.limit
        return Page(items, encode_cursor(items[-1], query.sort) if more and items else None)

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        target = self._collection(collection)
        require_index(self._store.spec(collection), filters, ())
        if limit is not None and limit <= 0:
            return 0  # count_documents takes limit=0 as "no limit"
        options = {} if limit is None else {"limit": limit}
        with _conflicts(collection, "*"):
            return await target.count_documents(
                to_filter(filters), session=self._session, **options
            )

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        """One insert_many, ordered (as the SQLite adapter's one executemany)."""
        self._writable("add_to_outbox")
        if not messages:
            return
        ids = [m.message_id for m in messages]
        with _conflicts(OUTBOX, ids[0]):
            taken = await self._db[OUTBOX].find_one({MONGO_ID: {"$in": ids}}, session=self._session)
            repeated = [i for n, i in enumerate(ids) if i in ids[:n]]
            if taken or repeated:
                raise UniqueViolationError(
                    OUTBOX, "message_id", str(taken[MONGO_ID]) if taken else repeated[0]
                )
            await self._db[OUTBOX].insert_many(
                [outbox_document(m, self._store.next_outbox_seq()) for m in messages],
                ordered=True,
                session=self._session,
            )

    async def mark_processed(self, inbox_key: str) -> bool:
        self._writable("mark_processed")
        with _conflicts(INBOX, inbox_key):
            # An upsert, not insert_one + DuplicateKeyError: that error would abort the
            # transaction, and a redelivery must leave it usable. A date: the TTL index's.
            result = await self._db[INBOX].update_one(
                {MONGO_ID: inbox_key},
                {"$setOnInsert": {"processed_at": datetime.now(UTC)}},
                upsert=True,
                session=self._session,
            )
        return result.upserted_id is not None


@contextmanager
def _conflicts(collection: str, doc_id: str) -> Iterator[None]:
    """What MongoDB labels transient (a write conflict, a failover inside the transaction)
    becomes a ConcurrentWriteError, and a lost connection a TransientStoreError: both abort
    the transaction, which the unit of work runs again from the start."""
    try:
        yield
    except PyMongoError as exc:
        transient = _transient(exc, collection, doc_id)
        if transient is None:
            raise
        raise transient from exc


def _transient(exc: PyMongoError, collection: str, doc_id: str) -> StoreError | None:
    if exc.has_error_label("TransientTransactionError"):
        return ConcurrentWriteError(collection, doc_id, exc)
    if isinstance(exc, ConnectionFailure):
        return TransientStoreError(f"MongoDB is unreachable: {exc}")
    return None


def _duplicate(spec: Collection, doc_id: str, exc: DuplicateKeyError) -> StoreError:
    key_pattern = (exc.details or {}).get("keyPattern") or {}
    if list(key_pattern) == [MONGO_ID]:
        # Inserted by a transaction that committed after ours began.
        return ConcurrentWriteError(spec.name, doc_id, exc)
    match = _INDEX_IN_MESSAGE.search(str(exc))
    names = {index.name for index in spec.indexes if index.unique}
    name = match.group(1) if match and match.group(1) in names else next(iter(names), "unique")
    return UniqueViolationError(spec.name, name, doc_id)


class Committable(Protocol):
    async def commit_transaction(self) -> None: ...


def _outcome_unknown(error: BaseException) -> bool:
    return (
        isinstance(error, PyMongoError)
        and error.has_error_label("UnknownTransactionCommitResult")
        and not (isinstance(error, OperationFailure) and error.code == _MAX_TIME_MS_EXPIRED)
    )


async def commit_retrying_unknown(session: Committable, retry_seconds: float) -> None:
    """Commit, and commit again while the outcome is unknown (a failover or a lost reply
    during commitTransaction), for up to `retry_seconds`, as PyMongo's `with_transaction`
    does; then UnknownCommitError. An answer of MaxTimeMSExpired is final, as there."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(_outcome_unknown),
        stop=stop_after_delay(retry_seconds),
        wait=wait_exponential(multiplier=0.05, max=1.0),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                await session.commit_transaction()
    except PyMongoError as exc:
        if exc.has_error_label("UnknownTransactionCommitResult"):
            raise UnknownCommitError(
                f"the commit's outcome is still unknown after {retry_seconds:g}s: {exc}"
            ) from exc
        raise


class MongoStore(OutboxMethods):
    """`MongoStore("mongodb://db:27017/?replicaSet=rs0", "ticketflow_ticket")`.
    `commit_retry_seconds`: how long a commit whose outcome is unknown is retried (repeating
    commitTransaction is safe: it applies the transaction at most once)."""

    def __init__(
        self,
        url: str,
        database: str,
        *,
        commit_retry_seconds: float = 30.0,
        inbox_retention: timedelta = timedelta(days=7),
    ):
        """`inbox_retention`: how long the TTL index on `_inbox.processed_at` keeps a mark."""
        self._commit_retry_seconds = commit_retry_seconds
        self._url = url
        self._inbox_retention = inbox_retention
        self._database_name = database
        self._client: AsyncMongoClient[Raw] | None = None
        self._specs: dict[str, Collection] = {}
        self._last_seq = 0

    def next_outbox_seq(self) -> int:
        """Nanoseconds since the epoch, rising within this process. No shared counter: one
        would make every two concurrent transactions that record events conflict. Across
        instances the relay's order is therefore only roughly commit order, which replicas
        tolerate (pipeline snapshots carry revisions; consumers are idempotent)."""
        self._last_seq = max(self._last_seq + 1, time.time_ns())
        return self._last_seq

    async def open(self, collections: Sequence[Collection]) -> None:
        for spec in collections:
            checked_collection(spec.name)
            for index in spec.indexes:
                index_spec(index)  # checks the field names before connecting
            require_field_types(spec)
        if self._client is None:
            self._client = AsyncMongoClient(self._url, tz_aware=True)
        db = self._db()
        existing = set(await db.list_collection_names())
        for name in [*(spec.name for spec in collections), OUTBOX, INBOX]:
            if name not in existing:
                with contextlib.suppress(CollectionInvalid):  # another process was first
                    await db.create_collection(name)
        for spec in collections:
            await declare_indexes(db[spec.name], spec)
        await mongo_outbox.create_indexes(db, self._inbox_retention)
        self._specs.update({spec.name: spec for spec in collections})

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def ping(self) -> bool:
        if self._client is None:
            return False
        try:
            await self._client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    def spec(self, collection: str) -> Collection:
        try:
            return self._specs[collection]
        except KeyError:
            raise UnknownCollectionError(collection) from None

    def _open_client(self) -> AsyncMongoClient[Raw]:
        if self._client is None:
            raise StoreError(f"the store on database {self._database_name!r} is not open")
        return self._client

    def _db(self) -> AsyncDatabase[Raw]:
        return self._open_client()[self._database_name]

    def transaction(self) -> AbstractAsyncContextManager[MongoTransaction]:
        return self._in_transaction(read_only=False)

    def read(self) -> AbstractAsyncContextManager[MongoTransaction]:
        """The same snapshot transaction as a writer's (reads of majority-committed data at
        one point in time), with its writes refused; it commits nothing and conflicts with
        no writer."""
        return self._in_transaction(read_only=True)

    @asynccontextmanager
    async def _in_transaction(self, *, read_only: bool) -> AsyncIterator[MongoTransaction]:
        client = self._open_client()
        async with client.start_session() as session:
            with _conflicts("(transaction)", "*"):
                await session.start_transaction(
                    read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
                )
            try:
                yield MongoTransaction(self, self._db(), session, read_only=read_only)
            except BaseException:
                if session.in_transaction:
                    with contextlib.suppress(PyMongoError):  # the server aborts it anyway
                        await session.abort_transaction()
                raise
            with _conflicts("(transaction)", "*"):
                await commit_retrying_unknown(session, self._commit_retry_seconds)

    def _outbox(self) -> MongoOutbox:
        return MongoOutbox(self._db())
