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
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, DuplicateKeyError, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from ticketflow_chassis.store.mongo_query import (
    ASCENDING,
    MONGO_ID,
    after,
    all_of,
    from_stored,
    to_filter,
    to_sort,
    to_stored,
)
from ticketflow_chassis.store.mongo_schema import declare_indexes, index_spec
from ticketflow_chassis.store.port import (
    ID_FIELD,
    VERSION_FIELD,
    Collection,
    ConflictError,
    Document,
    Filter,
    OutboxEntry,
    OutboxMessage,
    Page,
    Query,
    ReadOnlyError,
    StoreError,
    UniqueViolationError,
    UnknownCollectionError,
    decode_cursor,
    encode_cursor,
    require_index,
)
from ticketflow_chassis.store.sqlite_query import checked_collection

OUTBOX, INBOX = "_outbox", "_inbox"
_INDEX_IN_MESSAGE = re.compile(r"index: (\S+)")

Raw = dict[str, Any]


class ConcurrentWriteError(ConflictError):
    """MongoDB aborted the transaction because another one wrote the same document first
    (a TransientTransactionError). Not retried here: the caller's unit of work decides."""

    def __init__(self, collection: str, doc_id: str, expected: int | None, cause: PyMongoError):
        super().__init__(collection, doc_id, expected, None)
        self.args = (
            f"{collection}/{doc_id}: a concurrent transaction wrote it first; the transaction"
            f" was aborted and may be retried from the start ({cause})",
        )


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
        stored = await self._collection(collection).find_one(
            {MONGO_ID: doc_id}, session=self._session
        )
        return None if stored is None else from_stored(stored)

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        self._writable("put")
        target = self._collection(collection)
        doc_id = document[ID_FIELD]
        stored = copy.deepcopy({**document, VERSION_FIELD: (expected_version or 0) + 1})
        with _conflicts(collection, doc_id, expected_version):
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
                raise _duplicate(
                    self._store.spec(collection), doc_id, expected_version, exc
                ) from exc
            if result.matched_count == 0:
                actual = await self._version(collection, doc_id)
                raise ConflictError(collection, doc_id, expected_version, actual)
        return copy.deepcopy(stored)

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        self._writable("delete")
        target = self._collection(collection)
        with _conflicts(collection, doc_id, expected_version):
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
        with _conflicts(collection, "*", None):
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
        with _conflicts(collection, "*", None):
            return await target.count_documents(
                to_filter(filters), session=self._session, **options
            )

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        """One insert_many, ordered (as the SQLite adapter's one executemany)."""
        self._writable("add_to_outbox")
        if not messages:
            return
        ids = [m.message_id for m in messages]
        with _conflicts(OUTBOX, ids[0], None):
            taken = await self._db[OUTBOX].find_one({MONGO_ID: {"$in": ids}}, session=self._session)
            repeated = [i for n, i in enumerate(ids) if i in ids[:n]]
            if taken or repeated:
                raise UniqueViolationError(
                    OUTBOX, "message_id", str(taken[MONGO_ID]) if taken else repeated[0]
                )
            await self._db[OUTBOX].insert_many(
                [
                    {
                        MONGO_ID: m.message_id,
                        "seq": self._store.next_outbox_seq(),
                        "exchange": m.exchange,
                        "routing_key": m.routing_key,
                        "body": m.body,
                        "headers": dict(m.headers),
                    }
                    for m in messages
                ],
                ordered=True,
                session=self._session,
            )

    async def mark_processed(self, inbox_key: str) -> bool:
        self._writable("mark_processed")
        with _conflicts(INBOX, inbox_key, None):
            # An upsert, not insert_one + DuplicateKeyError: that error would abort the
            # transaction, and a redelivery must leave it usable.
            result = await self._db[INBOX].update_one(
                {MONGO_ID: inbox_key},
                {"$setOnInsert": {"processed_at": datetime.now(UTC).isoformat()}},
                upsert=True,
                session=self._session,
            )
        return result.upserted_id is not None


@contextmanager
def _conflicts(collection: str, doc_id: str, expected: int | None) -> Iterator[None]:
    """Write conflicts (and anything else MongoDB labels transient) become ConflictErrors."""
    try:
        yield
    except PyMongoError as exc:
        if exc.has_error_label("TransientTransactionError"):
            raise ConcurrentWriteError(collection, doc_id, expected, exc) from exc
        raise


def _duplicate(
    spec: Collection, doc_id: str, expected: int | None, exc: DuplicateKeyError
) -> StoreError:
    key_pattern = (exc.details or {}).get("keyPattern") or {}
    if list(key_pattern) == [MONGO_ID]:
        # Inserted by a transaction that committed after ours began.
        return ConcurrentWriteError(spec.name, doc_id, expected, exc)
    match = _INDEX_IN_MESSAGE.search(str(exc))
    names = {index.name for index in spec.indexes if index.unique}
    name = match.group(1) if match and match.group(1) in names else next(iter(names), "unique")
    return UniqueViolationError(spec.name, name, doc_id)


class MongoStore:
    """`MongoStore("mongodb://db:27017/?replicaSet=rs0", "ticketflow_ticket")`."""

    def __init__(self, url: str, database: str):
        self._url = url
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
        await db[OUTBOX].create_index([("seq", ASCENDING), (MONGO_ID, ASCENDING)], name="ix_seq")
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
        try:
            async with (
                client.start_session() as session,
                await session.start_transaction(
                    read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
                ),
            ):
                yield MongoTransaction(self, self._db(), session, read_only=read_only)
        except PyMongoError as exc:
            # What is left here failed at commit time.
            if exc.has_error_label("TransientTransactionError"):
                raise ConcurrentWriteError("(transaction)", "*", None, exc) from exc
            if exc.has_error_label("UnknownTransactionCommitResult"):
                raise StoreError(f"the commit's outcome is unknown: {exc}") from exc
            raise

    async def outbox_batch(self, limit: int) -> list[OutboxEntry]:
        if limit <= 0:
            return []  # MongoDB reads a limit of 0 as "no limit"
        stored = (
            await self._db()[OUTBOX]
            .find({}, sort=[("seq", ASCENDING), (MONGO_ID, ASCENDING)], limit=limit)
            .to_list()
        )
        return [
            OutboxEntry(
                int(s["seq"]),
                OutboxMessage(
                    s[MONGO_ID], s["exchange"], s["routing_key"], bytes(s["body"]), s["headers"]
                ),
            )
            for s in stored
        ]

    async def remove_from_outbox(self, message_ids: Sequence[str]) -> None:
        if message_ids:
            await self._db()[OUTBOX].delete_many({MONGO_ID: {"$in": list(message_ids)}})
