"""The storage contract: the behaviour every document-store adapter must show, as one
abstract test class that each adapter's test module subclasses.

    class TestSqliteStore(StoreContract):
        @pytest.fixture
        async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
            ...  # an open store on COLLECTIONS, at a location of its own; closed afterwards

        @pytest.fixture
        def reopen(self, tmp_path: Path) -> Callable[[], DocumentStore]:
            ...  # a new, unopened store on the same data
"""

from __future__ import annotations

import asyncio
import math
import operator
import random
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest

from ticketflow_chassis.store.port import (
    Collection,
    ConcurrentWriteError,
    ConflictError,
    Document,
    DocumentStore,
    Eq,
    Exists,
    FieldTypeError,
    Filter,
    In,
    Index,
    InvalidCursorError,
    OutboxMessage,
    Query,
    Range,
    ReadOnlyError,
    SortKey,
    UnindexedQueryError,
    UniqueViolationError,
    UnknownCollectionError,
)
from ticketflow_chassis.testing import HOSTILE_CURSORS
from ticketflow_chassis.uow import MessageContext, UnitOfWork

from .contract_outbox import NOW, OutboxContract

TICKETS = "tickets"
NOTES = "notes"
ENTRIES = "entries"  # indexed, no unique index: what a timeline is
COLLECTIONS = (
    Collection(
        TICKETS,
        (
            Index(("account_id", "status", "-created_at")),
            Index(("account_id", "number"), unique=True),
            Index(("account_id", "archived", "priority")),
            Index(("account_id", "closed_at")),
            Index(("account_id", "created_at")),
            Index(("account_id", "priority")),
            Index(("customer.email",)),
        ),
        field_types={
            "account_id": "string",
            "status": "string",
            "created_at": "string",
            "number": "number",
            "archived": "boolean",
            "priority": "number",
            "closed_at": "string",
            "customer.email": "string",
        },
    ),
    Collection(NOTES),
    Collection(ENTRIES, (Index(("ticket_id", "-at")),), {"ticket_id": "string", "at": "string"}),
)
# COLLECTIONS as a later release declares them (test_reopening_with_changed_indexes_...).
CHANGED_COLLECTIONS = (
    Collection(
        TICKETS,
        (
            Index(("account_id", "status", "-created_at")),
            Index(("account_id", "number")),
            Index(("account_id", "archived", "-priority")),
            Index(("account_id", "created_at")),
            Index(("account_id", "priority")),
            Index(("customer.email",)),
            Index(("account_id", "customer.email", "number"), unique=True),
        ),
        field_types={k: v for k, v in COLLECTIONS[0].field_types.items() if k != "closed_at"},
    ),
    Collection(NOTES),
)
ACCOUNT, OTHER_ACCOUNT = "acme", "globex"
STATUSES = ("new", "open", "closed")
ACME_TICKETS = 23


def ticket(n: int, account_id: str = ACCOUNT) -> Document:
    """Ties on every sorted field, missing and explicit-null values, nested fields."""
    doc: Document = {
        "id": f"{account_id[0]}{n:03d}",
        "account_id": account_id,
        "number": n,
        "status": STATUSES[n % 3],
        "created_at": f"2026-01-{n % 5 + 1:02d}T09:30:00Z",
        "archived": n % 4 == 0,
        "customer": {"email": f"c{n % 4}@example.com", "name": f"Customer {n}"},
        "subject": f"Subject {n}",
    }
    if n % 5:
        doc["priority"] = None if n % 7 == 0 else n % 3
    if doc["status"] == "closed":
        doc["closed_at"] = None if n == 2 else f"2026-02-{n:02d}T10:00:00Z"
    return doc


def seed_documents() -> list[Document]:
    docs = [ticket(n) for n in range(1, ACME_TICKETS + 1)]
    docs += [ticket(n, OTHER_ACCOUNT) for n in range(1, 6)]
    random.Random(7).shuffle(docs)  # insertion order must not leak into results
    return docs


async def seed(store: DocumentStore) -> list[Document]:
    docs = seed_documents()
    async with store.transaction() as tx:
        for doc in docs:
            await tx.put(TICKETS, doc, expected_version=None)
    return docs


def lookup(document: Document, dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def expected_ids(
    docs: Sequence[Document], filters: Sequence[Filter], sort: Sequence[SortKey]
) -> list[str]:
    """The reference answer, computed without any adapter: filter, then stable sorts from the
    last key to the first, over a list ordered by id in the last key's direction (ascending
    without a sort); missing/null sorts first."""
    chosen = [d for d in docs if all(_matches(d, f) for f in filters)]
    ordered = sorted(chosen, key=lambda d: str(d["id"]), reverse=bool(sort) and sort[-1].descending)
    for key in reversed(sort):
        ordered = sorted(
            ordered, key=lambda d: _nulls_first(lookup(d, key.field)), reverse=key.descending
        )
    return [d["id"] for d in ordered]


def _nulls_first(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)


def _matches(doc: Document, flt: Filter) -> bool:
    value = lookup(doc, flt.field)
    if isinstance(flt, Eq):
        return bool(value == flt.value)
    if isinstance(flt, In):
        return value in flt.values
    if isinstance(flt, Exists):
        return (value is not None) == flt.present
    checks: list[tuple[Any, Callable[[Any, Any], Any]]] = [
        (flt.gt, operator.gt),
        (flt.gte, operator.ge),
        (flt.lt, operator.lt),
        (flt.lte, operator.le),
    ]
    return value is not None and all(b is None or check(value, b) for b, check in checks)


def message(message_id: str, body: bytes = b"{}") -> OutboxMessage:
    return OutboxMessage(message_id, "ticketflow.events", "ticket.created", body, {"type": "T"})


async def all_pages(
    store: DocumentStore, filters: tuple[Filter, ...], sort: tuple[SortKey, ...], limit: int
) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        async with store.transaction() as tx:
            page = await tx.find(TICKETS, Query(filters, sort, limit, after))
        pages.append([d["id"] for d in page.items])
        if page.next_after is None:
            return pages
        after = page.next_after
        assert len(pages) <= ACME_TICKETS, "paging does not end"


PAGED_SORTS = {
    "created-asc": (SortKey("created_at"),),
    "created-desc": (SortKey("created_at", descending=True),),
    "status-asc-created-desc": (SortKey("status"), SortKey("created_at", descending=True)),
    "status-desc-created-asc": (SortKey("status", descending=True), SortKey("created_at")),
    "priority-with-nulls-asc": (SortKey("priority"),),
    "archived-desc-priority-with-nulls-desc": (
        SortKey("archived", descending=True),
        SortKey("priority", descending=True),
    ),
}


class StoreContract(OutboxContract):
    """Subclasses provide `store` and `reopen`; every test here runs against their adapter."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[DocumentStore]:
        """Abstract: an open store on COLLECTIONS with no data, closed after the test."""
        raise NotImplementedError(f"{type(self).__name__} must provide the `store` fixture")
        yield  # noqa: PT022 - an async generator, like the fixtures that override it

    @pytest.fixture
    def reopen(self) -> Callable[[], DocumentStore]:
        """Abstract: builds a new, unopened store on the same data as `store`."""
        raise NotImplementedError(f"{type(self).__name__} must provide the `reopen` fixture")

    # -- get, put, delete and versions --------------------------------------------------

    async def test_get_of_a_missing_document_is_none(self, store: DocumentStore) -> None:
        async with store.transaction() as tx:
            assert await tx.get(NOTES, "nope") is None

    async def test_insert_starts_at_version_one_and_keeps_every_json_value(
        self, store: DocumentStore
    ) -> None:
        doc = {
            "id": "n1",
            "text": "café 漢字",
            "count": 3,
            "ratio": 0.25,
            "open": True,
            "gone": None,
            "tags": ["a", "b"],
            "nested": {"deep": {"flag": False}},
        }
        async with store.transaction() as tx:
            saved = await tx.put(NOTES, doc, expected_version=None)
        assert saved == {**doc, "version": 1}
        assert "version" not in doc, "put must not change the caller's document"
        saved["tags"].append("c")
        async with store.transaction() as tx:
            assert await tx.get(NOTES, "n1") == {**doc, "version": 1}

    async def test_replace_at_the_expected_version_moves_it_on(self, store: DocumentStore) -> None:
        async with store.transaction() as tx:
            first = await tx.put(NOTES, {"id": "n1", "text": "v1"}, expected_version=None)
            second = await tx.put(NOTES, {"id": "n1", "text": "v2"}, expected_version=1)
        assert (first["version"], second["version"]) == (1, 2)
        async with store.transaction() as tx:
            assert await tx.put(NOTES, {**second, "text": "v3"}, expected_version=2) == {
                "id": "n1",
                "text": "v3",
                "version": 3,
            }
            assert await tx.get(NOTES, "n1") == {"id": "n1", "text": "v3", "version": 3}

    async def test_inserting_an_existing_id_is_a_conflict(self, store: DocumentStore) -> None:
        await self._insert(store, {"id": "n1", "text": "first"})
        with pytest.raises(ConflictError) as caught:
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1", "text": "second"}, expected_version=None)
        assert (caught.value.collection, caught.value.doc_id) == (NOTES, "n1")
        assert (caught.value.expected, caught.value.actual) == (None, 1)
        assert await self._get(store, NOTES, "n1") == {"id": "n1", "text": "first", "version": 1}

    async def test_replacing_at_a_stale_version_is_a_conflict(self, store: DocumentStore) -> None:
        await self._insert(store, {"id": "n1", "text": "v1"})
        async with store.transaction() as tx:
            await tx.put(NOTES, {"id": "n1", "text": "v2"}, expected_version=1)
        with pytest.raises(ConflictError) as caught:
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1", "text": "stale"}, expected_version=1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert "version 2" in str(caught.value)
        assert await self._get(store, NOTES, "n1") == {"id": "n1", "text": "v2", "version": 2}

    async def test_replacing_a_missing_document_is_a_conflict(self, store: DocumentStore) -> None:
        with pytest.raises(ConflictError) as caught:
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "ghost"}, expected_version=3)
        assert (caught.value.expected, caught.value.actual) == (3, None)
        assert await self._get(store, NOTES, "ghost") is None

    async def test_delete_at_the_expected_version_removes_the_document(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "n1"})
        async with store.transaction() as tx:
            await tx.delete(NOTES, "n1", expected_version=1)
            assert await tx.get(NOTES, "n1") is None
        assert await self._get(store, NOTES, "n1") is None

    async def test_delete_at_a_wrong_version_or_of_a_missing_document_is_a_conflict(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "n1"})
        with pytest.raises(ConflictError) as caught:
            async with store.transaction() as tx:
                await tx.delete(NOTES, "n1", expected_version=2)
        assert (caught.value.expected, caught.value.actual) == (2, 1)
        with pytest.raises(ConflictError) as missing:
            async with store.transaction() as tx:
                await tx.delete(NOTES, "ghost", expected_version=1)
        assert missing.value.actual is None
        assert await self._get(store, NOTES, "n1") == {"id": "n1", "version": 1}

    # -- insert_many ------------------------------------------------------------------------

    @pytest.mark.parametrize("collection", [ENTRIES, NOTES, TICKETS])
    async def test_insert_many_writes_each_new_document_at_version_one(
        self, store: DocumentStore, collection: str
    ) -> None:
        entries = [
            {"id": f"e{n}", "ticket_id": "t1", "at": f"2026-12-01T10:0{n}:00Z", "account_id": "x"}
            for n in range(3)
        ]
        async with store.transaction() as tx:
            await tx.insert_many(collection, [{**e, "number": n} for n, e in enumerate(entries)])

        for n, entry in enumerate(entries):
            stored = await self._get(store, collection, entry["id"])
            assert stored == {**entry, "number": n, "version": 1}
        if collection == ENTRIES:
            async with store.read() as tx:
                newest = await tx.find(
                    ENTRIES, Query((Eq("ticket_id", "t1"),), (SortKey("at", descending=True),))
                )
            assert [d["id"] for d in newest.items] == ["e2", "e1", "e0"]

    @pytest.mark.parametrize("collection", [ENTRIES, NOTES])
    async def test_insert_many_with_a_taken_id_is_a_conflict_and_the_unit_writes_nothing(
        self, store: DocumentStore, collection: str
    ) -> None:
        await self._insert(store, {"id": "e1", "ticket_id": "t1"}, collection)
        for batch in (["e0", "e1", "e2"], ["e3", "e3"]):
            with pytest.raises(ConflictError) as caught:
                async with store.transaction() as tx:
                    await tx.insert_many(collection, [{"id": i, "ticket_id": "t1"} for i in batch])
            assert (caught.value.doc_id, caught.value.actual) == (batch[1], 1)
        for doc_id in ("e0", "e2", "e3"):
            assert await self._get(store, collection, doc_id) is None

    async def test_insert_many_refuses_a_value_of_another_type(self, store: DocumentStore) -> None:
        with pytest.raises(FieldTypeError):
            async with store.transaction() as tx:
                await tx.insert_many(ENTRIES, [{"id": "e0"}, {"id": "e1", "ticket_id": 7}])
        assert await self._get(store, ENTRIES, "e0") is None

    # -- unique indexes ------------------------------------------------------------------

    async def test_a_unique_index_refuses_a_second_document_with_the_same_values(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, ticket(1), TICKETS)
        await self._insert(store, ticket(1, OTHER_ACCOUNT), TICKETS)  # other account: allowed
        with pytest.raises(UniqueViolationError) as caught:
            async with store.transaction() as tx:
                await tx.put(TICKETS, {**ticket(2), "number": 1}, expected_version=None)
        assert caught.value.index == "ix_account_id__number"
        assert (caught.value.collection, caught.value.doc_id) == (TICKETS, "a002")
        await self._insert(store, ticket(2), TICKETS)
        with pytest.raises(UniqueViolationError):
            async with store.transaction() as tx:
                await tx.put(TICKETS, {**ticket(2), "number": 1}, expected_version=1)
        assert (await self._get(store, TICKETS, "a002") or {})["number"] == 2
        async with store.transaction() as tx:  # a document may keep its own values
            await tx.put(TICKETS, {**ticket(2), "subject": "new"}, expected_version=1)

    async def test_a_unique_index_counts_a_missing_value_as_a_value(
        self, store: DocumentStore
    ) -> None:
        first = {k: v for k, v in ticket(1).items() if k != "number"}
        await self._insert(store, first, TICKETS)
        with pytest.raises(UniqueViolationError):
            async with store.transaction() as tx:
                await tx.put(TICKETS, {**ticket(2), "number": None}, expected_version=None)
        await self._insert(store, ticket(2), TICKETS)

    async def test_a_missing_unique_value_is_checked_on_replace_and_after_the_version(
        self, store: DocumentStore
    ) -> None:
        first = {k: v for k, v in ticket(1).items() if k != "number"}
        await self._insert(store, first, TICKETS)
        await self._insert(store, ticket(2), TICKETS)
        lacking = {k: v for k, v in ticket(2).items() if k != "number"}
        with pytest.raises(UniqueViolationError) as caught:
            async with store.transaction() as tx:
                await tx.put(TICKETS, lacking, expected_version=1)
        assert (caught.value.index, caught.value.doc_id) == ("ix_account_id__number", "a002")
        for stale in (None, 5):  # a version that does not match is reported first
            with pytest.raises(ConflictError) as conflict:
                async with store.transaction() as tx:
                    await tx.put(TICKETS, lacking, expected_version=stale)
            assert (conflict.value.expected, conflict.value.actual) == (stale, 1)
        async with store.transaction() as tx:  # the one lacking it may go on lacking it
            assert (await tx.put(TICKETS, first, expected_version=1))["version"] == 2
        assert (await self._get(store, TICKETS, "a002") or {})["number"] == 2

    async def test_inserting_an_existing_id_is_a_conflict_even_when_its_values_clash(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, ticket(1), TICKETS)
        await self._insert(store, ticket(2), TICKETS)
        with pytest.raises(ConflictError) as caught:
            async with store.transaction() as tx:
                await tx.put(TICKETS, {**ticket(2), "number": 1}, expected_version=None)
        assert (caught.value.expected, caught.value.actual) == (None, 1)

    # -- transactions: atomicity, isolation of writers ----------------------------------

    async def test_an_exception_rolls_back_document_outbox_and_inbox_together(
        self, store: DocumentStore
    ) -> None:
        async def write_then_fail() -> None:
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1"}, expected_version=None)
                await tx.add_to_outbox(message("m1"))
                assert await tx.mark_processed("inbox-1")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await write_then_fail()
        await self._assert_nothing_committed(store)

    async def test_a_store_error_rolls_back_what_the_transaction_wrote_before_it(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "other"})

        async def write_then_conflict() -> None:
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1"}, expected_version=None)
                await tx.add_to_outbox(message("m1"))
                assert await tx.mark_processed("inbox-1")
                await tx.put(NOTES, {"id": "other"}, expected_version=7)

        with pytest.raises(ConflictError):
            await write_then_conflict()
        await self._assert_nothing_committed(store)

    async def _assert_nothing_committed(self, store: DocumentStore) -> None:
        assert await self._get(store, NOTES, "n1") is None
        assert await store.outbox_entries() == []
        async with store.transaction() as tx:
            assert await tx.mark_processed("inbox-1") is True

    async def test_a_commit_writes_document_outbox_and_inbox_together(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            await tx.put(NOTES, {"id": "n1"}, expected_version=None)
            await tx.add_to_outbox(message("m1", b'{"n": 1}'))
            assert await tx.mark_processed("inbox-1")
        assert await self._get(store, NOTES, "n1") == {"id": "n1", "version": 1}
        [entry] = await store.outbox_entries()
        assert entry.message == message("m1", b'{"n": 1}')
        async with store.transaction() as tx:
            assert await tx.mark_processed("inbox-1") is False

    async def test_a_transaction_reads_its_own_writes(self, store: DocumentStore) -> None:
        async with store.transaction() as tx:
            await tx.put(TICKETS, ticket(1), expected_version=None)
            assert await tx.get(TICKETS, "a001") == {**ticket(1), "version": 1}
            page = await tx.find(TICKETS, Query((Eq("account_id", ACCOUNT),)))
            assert [d["id"] for d in page.items] == ["a001"]
            assert await tx.count(TICKETS, (Eq("account_id", ACCOUNT),)) == 1

    async def test_of_two_concurrent_writers_at_one_version_exactly_one_wins(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "n1", "text": "v1"})

        async def write(text: str) -> Document:
            async with store.transaction() as tx:
                assert await tx.get(NOTES, "n1") is not None
                await asyncio.sleep(0.02)  # both transactions are open, where the adapter allows it
                return await tx.put(NOTES, {"id": "n1", "text": text}, expected_version=1)

        results = await asyncio.gather(write("a"), write("b"), return_exceptions=True)
        winners = [r for r in results if isinstance(r, dict)]
        # At the other's version (one writer at a time), or aborted (MongoDB's write conflict).
        losers = [r for r in results if isinstance(r, ConflictError | ConcurrentWriteError)]
        assert (len(winners), len(losers)) == (1, 1), results
        assert await self._get(store, NOTES, "n1") == {**winners[0], "version": 2}

    async def test_a_unique_key_race_loser_sees_the_same_error_through_a_unit_of_work(
        self, store: DocumentStore
    ) -> None:
        """Serialised writers (SQLite) meet the unique index; snapshot writers (MongoDB) a
        write conflict first, which the unit of work's retry turns into the same refusal."""
        uow = UnitOfWork(store, "contract")

        async def insert(doc_id: str) -> None:
            async with uow.begin(MessageContext(ACCOUNT, uuid.uuid4())) as session:
                await session.count(TICKETS, (Eq("account_id", ACCOUNT),))
                await asyncio.sleep(0.02)  # both transactions are open, where the adapter allows it
                await session.put(
                    TICKETS,
                    {"id": doc_id, "account_id": ACCOUNT, "number": 7},
                    expected_version=None,
                )

        results = await asyncio.gather(
            uow.retrying(insert, "t-a"), uow.retrying(insert, "t-b"), return_exceptions=True
        )
        assert sorted(type(r).__name__ for r in results) == ["NoneType", "UniqueViolationError"]

    # -- read-only transactions ----------------------------------------------------------

    async def test_a_read_only_transaction_refuses_every_write(self, store: DocumentStore) -> None:
        await self._insert(store, {"id": "other"})
        attempts: list[Callable[[Any], Any]] = [
            lambda tx: tx.put(NOTES, {"id": "n1"}, expected_version=None),
            lambda tx: tx.put(NOTES, {"id": "other", "text": "v2"}, expected_version=1),
            lambda tx: tx.delete(NOTES, "other", expected_version=1),
            lambda tx: tx.insert_many(NOTES, [{"id": "n2"}, {"id": "n3"}]),
            lambda tx: tx.add_to_outbox(message("m1")),
            lambda tx: tx.mark_processed("inbox-1"),
        ]
        for attempt in attempts:
            with pytest.raises(ReadOnlyError):
                async with store.read() as tx:
                    await attempt(tx)
        assert await self._get(store, NOTES, "other") == {"id": "other", "version": 1}
        await self._assert_nothing_committed(store)

    async def test_a_read_only_transaction_keeps_one_snapshot_while_writers_commit(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "n1", "text": "v1"})
        async with store.read() as reader:
            assert await reader.get(NOTES, "n1") == {"id": "n1", "text": "v1", "version": 1}
            async with store.transaction() as tx:
                await tx.put(NOTES, {"id": "n1", "text": "v2"}, expected_version=1)
                await tx.put(NOTES, {"id": "n2"}, expected_version=None)
            assert await reader.get(NOTES, "n1") == {"id": "n1", "text": "v1", "version": 1}
            assert await reader.get(NOTES, "n2") is None
            assert await reader.count(NOTES) == 1
            assert [d["id"] for d in (await reader.find(NOTES, Query())).items] == ["n1"]
        async with store.read() as reader:
            assert await reader.get(NOTES, "n1") == {"id": "n1", "text": "v2", "version": 2}
            assert await reader.count(NOTES) == 2

    async def test_a_read_only_transaction_runs_while_a_write_transaction_is_open(
        self, store: DocumentStore
    ) -> None:
        await self._insert(store, {"id": "n1", "text": "v1"})

        async def read() -> Document | None:
            async with store.read() as reader:
                return await reader.get(NOTES, "n1")

        async with store.transaction() as tx:
            await tx.put(NOTES, {"id": "n1", "text": "not yet"}, expected_version=1)
            seen = await asyncio.wait_for(read(), timeout=5)  # would wait for the writer
        assert seen == {"id": "n1", "text": "v1", "version": 1}

    # -- outbox and inbox ------------------------------------------------------------------

    async def test_the_outbox_hands_out_entries_in_seq_order_until_removed(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m1", b"one"))
            await tx.add_to_outbox(message("m2", b"\x00two\xff"))
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m3", b"three"))
        entries = await store.outbox_entries()
        assert [e.message.message_id for e in entries] == ["m1", "m2", "m3"]
        assert [e.seq for e in entries] == sorted({e.seq for e in entries})
        assert entries[1].message == message("m2", b"\x00two\xff")
        assert [e.message.message_id for e in await store.outbox_due(2, NOW)] == ["m1", "m2"]
        await store.remove_from_outbox(["m1", "m2", "never-there"])
        await store.remove_from_outbox([])
        assert [e.message.message_id for e in await store.outbox_entries()] == ["m3"]
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m4"))
        later = await store.outbox_entries()
        assert [e.message.message_id for e in later] == ["m3", "m4"]
        assert later[1].seq > entries[2].seq

    async def test_the_outbox_refuses_a_message_id_twice(self, store: DocumentStore) -> None:
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m1"))
        with pytest.raises(UniqueViolationError):
            async with store.transaction() as tx:
                await tx.add_to_outbox(message("m1"))
        assert len(await store.outbox_entries()) == 1

    async def test_several_messages_go_to_the_outbox_in_their_order_or_none_of_them(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m1"), message("m2", b"two"), message("m3"))
            await tx.add_to_outbox()
        async with store.transaction() as tx:
            for repeated in [("m4", "m5", "m2"), ("m6", "m6")]:
                with pytest.raises(UniqueViolationError) as refused:
                    await tx.add_to_outbox(*(message(i) for i in repeated))
                assert repeated[-1] in str(refused.value)
            await tx.add_to_outbox(message("m7"))
        ids = [e.message.message_id for e in await store.outbox_entries()]
        assert ids == ["m1", "m2", "m3", "m7"]
        assert (await store.outbox_entries())[1].message == message("m2", b"two")

    async def test_removing_from_the_outbox_during_a_transaction_is_not_undone_by_its_commit(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m1"))

        async def relay() -> None:
            batch = await store.outbox_entries()
            await store.remove_from_outbox([e.message.message_id for e in batch])

        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m2"))
            relaying = asyncio.create_task(relay())
            await asyncio.sleep(0.02)
        await relaying
        assert "m1" not in [e.message.message_id for e in await store.outbox_entries()]

    async def test_a_redelivery_is_recognised_and_leaves_the_transaction_usable(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            assert await tx.mark_processed("msg-1") is True
        async with store.transaction() as tx:
            assert await tx.mark_processed("msg-1") is False
            assert await tx.mark_processed("msg-2") is True
            await tx.put(NOTES, {"id": "n1"}, expected_version=None)
        assert await self._get(store, NOTES, "n1") is not None

    # -- find: filters ---------------------------------------------------------------------

    @pytest.mark.parametrize(
        "filters",
        [
            pytest.param((Eq("account_id", ACCOUNT), Eq("status", "open")), id="eq"),
            pytest.param((Eq("account_id", ACCOUNT), In("status", ("new", "closed"))), id="in"),
            pytest.param((Eq("account_id", ACCOUNT), In("status", ())), id="in-nothing"),
            pytest.param(
                (Eq("account_id", ACCOUNT), In("closed_at", (None, "2026-02-05T10:00:00Z"))),
                id="in-with-missing",
            ),
            pytest.param(
                (Eq("account_id", ACCOUNT), Range("number", gt=5, lte=11)), id="range-gt-lte"
            ),
            pytest.param(
                (
                    Eq("account_id", ACCOUNT),
                    Range("created_at", gte="2026-01-02T00:00:00Z", lt="2026-01-04T00:00:00Z"),
                ),
                id="range-dates",
            ),
            pytest.param(
                (Eq("account_id", ACCOUNT), Range("priority", gte=1)), id="range-skips-null"
            ),
            pytest.param((Eq("account_id", ACCOUNT), Exists("closed_at")), id="exists"),
            pytest.param(
                (Eq("account_id", ACCOUNT), Exists("closed_at", present=False)), id="not-exists"
            ),
            pytest.param((Eq("account_id", ACCOUNT), Eq("archived", True)), id="bool-true"),
            pytest.param((Eq("account_id", ACCOUNT), Eq("archived", False)), id="bool-false"),
            pytest.param((Eq("customer.email", "c3@example.com"),), id="dotted"),
            pytest.param((Eq("id", "a007"),), id="by-id"),
            pytest.param((In("id", ("a007", "g002", "zzz")),), id="by-ids"),
        ],
    )
    async def test_find_returns_exactly_the_matching_documents(
        self, store: DocumentStore, filters: tuple[Filter, ...]
    ) -> None:
        docs = await seed(store)
        async with store.transaction() as tx:
            page = await tx.find(TICKETS, Query(filters, limit=100))
            count = await tx.count(TICKETS, filters)
        assert [d["id"] for d in page.items] == expected_ids(docs, filters, ())
        assert count == len(page.items)
        assert page.next_after is None
        by_id = {d["id"]: d for d in docs}
        assert all(d == {**by_id[d["id"]], "version": 1} for d in page.items)

    # -- count with a limit --------------------------------------------------------------------

    @pytest.mark.parametrize("limit", [0, 1, 7, 8, 9, 1000, None])
    async def test_count_with_a_limit_counts_at_most_the_limit(
        self, store: DocumentStore, limit: int | None
    ) -> None:
        docs = await seed(store)
        filters: tuple[Filter, ...] = (Eq("account_id", ACCOUNT), Eq("status", "open"))
        matching = len(expected_ids(docs, filters, ()))
        assert matching == 8
        async with store.transaction() as tx:
            count = await tx.count(TICKETS, filters, limit=limit)
        assert count == (matching if limit is None else min(matching, limit))

    async def test_count_with_a_limit_reads_a_range_and_a_read_only_snapshot(
        self, store: DocumentStore
    ) -> None:
        docs = await seed(store)
        filters: tuple[Filter, ...] = (
            Eq("account_id", ACCOUNT),
            Range("created_at", gte="2026-01-02T00:00:00Z", lt="2026-01-04T00:00:00Z"),
        )
        matching = len(expected_ids(docs, filters, ()))
        async with store.read() as reader:
            assert await reader.count(TICKETS, filters, limit=matching - 1) == matching - 1
            assert await reader.count(TICKETS, filters, limit=matching + 1) == matching

    async def test_count_with_a_limit_still_refuses_an_unindexed_filter(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            with pytest.raises(UnindexedQueryError):
                await tx.count(TICKETS, (Eq("subject", "Subject 1"),), limit=10)

    # -- find: sort and keyset paging --------------------------------------------------------

    @pytest.mark.parametrize("sort", list(PAGED_SORTS.values()), ids=list(PAGED_SORTS))
    async def test_find_sorts_by_the_keys_then_by_id(
        self, store: DocumentStore, sort: tuple[SortKey, ...]
    ) -> None:
        docs = await seed(store)
        filters = (Eq("account_id", ACCOUNT),)
        async with store.transaction() as tx:
            page = await tx.find(TICKETS, Query(filters, sort, limit=100))
        assert [d["id"] for d in page.items] == expected_ids(docs, filters, sort)

    async def test_missing_values_sort_first_ascending_and_last_descending(
        self, store: DocumentStore
    ) -> None:
        await seed(store)
        filters = (Eq("account_id", ACCOUNT), Eq("archived", False))
        async with store.transaction() as tx:
            up = await tx.find(TICKETS, Query(filters, (SortKey("priority"),)))
            down = await tx.find(TICKETS, Query(filters, (SortKey("priority", descending=True),)))
        ups = [d.get("priority") for d in up.items]
        downs = [d.get("priority") for d in down.items]
        nulls = ups.count(None)
        assert nulls > 0
        assert ups[:nulls] == [None] * nulls
        assert None not in ups[nulls:]
        assert downs[-nulls:] == [None] * nulls
        assert None not in downs[:-nulls]

    @pytest.mark.parametrize("limit", [1, 4, 23])
    @pytest.mark.parametrize("sort", list(PAGED_SORTS.values()), ids=list(PAGED_SORTS))
    async def test_keyset_paging_gives_every_document_once_in_order(
        self, store: DocumentStore, sort: tuple[SortKey, ...], limit: int
    ) -> None:
        docs = await seed(store)
        filters = (Eq("account_id", ACCOUNT),)
        pages = await all_pages(store, filters, sort, limit)
        assert [doc_id for page in pages for doc_id in page] == expected_ids(docs, filters, sort)
        assert len(pages) == math.ceil(ACME_TICKETS / limit)
        assert all(len(page) == limit for page in pages[:-1])

    async def test_keyset_paging_with_a_filter_on_a_dotted_field(
        self, store: DocumentStore
    ) -> None:
        docs = await seed(store)
        filters = (Eq("customer.email", "c1@example.com"),)
        sort = (SortKey("customer.email", descending=True),)
        pages = await all_pages(store, filters, sort, 2)
        assert [doc_id for page in pages for doc_id in page] == expected_ids(docs, filters, sort)

    async def test_an_invalid_cursor_is_refused(self, store: DocumentStore) -> None:
        await seed(store)
        filters = (Eq("account_id", ACCOUNT),)
        async with store.transaction() as tx:
            page = await tx.find(TICKETS, Query(filters, (SortKey("created_at"),), limit=2))
        assert page.next_after is not None
        for cursor, sort in [
            ("not a cursor", (SortKey("created_at"),)),
            ("W10=", (SortKey("created_at"),)),  # base64 of "[]"
            ("WzEsIDJd", (SortKey("created_at"),)),  # [1, 2]: an id must be a string
            (page.next_after, (SortKey("status"), SortKey("created_at", True))),  # another sort's
        ]:
            with pytest.raises(InvalidCursorError):
                async with store.transaction() as tx:
                    await tx.find(TICKETS, Query(filters, sort, limit=2, after=cursor))

    @pytest.mark.parametrize("cursor", list(HOSTILE_CURSORS.values()), ids=list(HOSTILE_CURSORS))
    async def test_a_forged_cursor_is_refused_before_it_reaches_a_query(
        self, store: DocumentStore, cursor: str
    ) -> None:
        await seed(store)
        query = Query((Eq("account_id", ACCOUNT),), (SortKey("created_at"),), 2, cursor)
        with pytest.raises(InvalidCursorError):
            async with store.read() as tx:
                await tx.find(TICKETS, query)

    # -- one type per indexed field ------------------------------------------------------

    @pytest.mark.parametrize(
        ("field", "value", "actual"),
        [
            ("number", "7", "string"),
            ("archived", 0, "number"),
            ("priority", True, "boolean"),
            ("created_at", 20260101, "number"),
            ("status", {"$gt": ""}, "object"),
            ("customer", {"email": ["c1@example.com"]}, "array"),
        ],
    )
    async def test_a_put_of_another_type_into_an_indexed_field_is_refused_and_writes_nothing(
        self, store: DocumentStore, field: str, value: Any, actual: str
    ) -> None:
        await self._insert(store, ticket(2), TICKETS)
        for doc, expected_version in [(ticket(1), None), (ticket(2), 1)]:
            with pytest.raises(FieldTypeError) as refused:
                async with store.transaction() as tx:
                    await tx.put(TICKETS, {**doc, field: value}, expected_version=expected_version)
            error = refused.value
            assert (error.collection, error.doc_id, error.actual) == (TICKETS, doc["id"], actual)
            assert error.field in (field, f"{field}.email")
            assert isinstance(error, ValueError)
        assert await self._get(store, TICKETS, "a001") is None
        assert await self._get(store, TICKETS, "a002") == {**ticket(2), "version": 1}

    async def test_null_and_missing_indexed_fields_are_of_every_type(
        self, store: DocumentStore
    ) -> None:
        lacking = {k: v for k, v in ticket(1).items() if k not in ("priority", "customer")}
        await self._insert(store, {**lacking, "status": None, "closed_at": None}, TICKETS)
        assert (await self._get(store, TICKETS, "a001") or {})["status"] is None

    async def test_open_refuses_an_indexed_field_without_a_declared_type(
        self, store: DocumentStore
    ) -> None:
        undeclared = Collection(
            "things", (Index(("kind", "rank")),), field_types={"kind": "string"}
        )
        with pytest.raises(ValueError, match=r"'things'.*'rank'"):
            await store.open([undeclared])
        with pytest.raises(UnknownCollectionError):
            async with store.transaction() as tx:
                await tx.get("things", "t1")

    # -- count, indexes, collections -----------------------------------------------------

    async def test_count_counts_the_matching_documents(self, store: DocumentStore) -> None:
        await seed(store)
        async with store.transaction() as tx:
            assert await tx.count(TICKETS) == ACME_TICKETS + 5
            assert await tx.count(TICKETS, (Eq("account_id", OTHER_ACCOUNT),)) == 5
            assert await tx.count(TICKETS, (Eq("account_id", "nobody"),)) == 0
            assert await tx.count(NOTES) == 0

    async def test_a_query_that_no_index_serves_is_refused(self, store: DocumentStore) -> None:
        await seed(store)
        unserved = [
            Query((Eq("subject", "Subject 1"),)),
            Query((Eq("status", "open"),)),  # not the first field of any index
            Query((Eq("account_id", ACCOUNT),), (SortKey("subject"),)),
            Query((), (SortKey("subject"),)),
            # (account_id, archived, priority) is read in one direction: not mixed ones.
            Query((Eq("account_id", ACCOUNT),), (SortKey("archived"), SortKey("priority", True))),
        ]
        for query in unserved:
            with pytest.raises(UnindexedQueryError):
                async with store.transaction() as tx:
                    await tx.find(TICKETS, query)
        with pytest.raises(UnindexedQueryError):
            async with store.transaction() as tx:
                await tx.count(TICKETS, (Eq("subject", "Subject 1"),))

    async def test_an_undeclared_collection_is_refused(self, store: DocumentStore) -> None:
        attempts: list[Callable[[Any], Any]] = [
            lambda tx: tx.get("nope", "x"),
            lambda tx: tx.put("nope", {"id": "x"}, expected_version=None),
            lambda tx: tx.delete("nope", "x", expected_version=1),
            lambda tx: tx.find("nope", Query()),
            lambda tx: tx.count("nope"),
        ]
        for attempt in attempts:
            with pytest.raises(UnknownCollectionError):
                async with store.transaction() as tx:
                    await attempt(tx)

    # -- lifecycle ---------------------------------------------------------------------------

    async def test_it_answers_ping_and_opening_again_is_harmless(
        self, store: DocumentStore
    ) -> None:
        assert await store.ping() is True
        await self._insert(store, {"id": "n1"})
        await store.open(COLLECTIONS)
        assert await self._get(store, NOTES, "n1") == {"id": "n1", "version": 1}

    async def test_data_survives_close_and_reopen(
        self, store: DocumentStore, reopen: Callable[[], DocumentStore]
    ) -> None:
        await self._insert(store, ticket(1), TICKETS)
        async with store.transaction() as tx:
            await tx.add_to_outbox(message("m1"))
            await tx.mark_processed("inbox-1")
        await store.close()
        again = reopen()
        await again.open(COLLECTIONS)
        try:
            assert await self._get(again, TICKETS, "a001") == {**ticket(1), "version": 1}
            assert [e.message.message_id for e in await again.outbox_entries()] == ["m1"]
            async with again.transaction() as tx:
                assert await tx.mark_processed("inbox-1") is False
            with pytest.raises(UniqueViolationError):  # the indexes are back too
                async with again.transaction() as tx:
                    await tx.put(TICKETS, {**ticket(2), "number": 1}, expected_version=None)
        finally:
            await again.close()

    async def test_reopening_with_changed_indexes_rebuilds_them(
        self, store: DocumentStore, reopen: Callable[[], DocumentStore]
    ) -> None:
        """A direction or a uniqueness changed, an index added and one dropped: the store
        opens, and queries and writes follow the new declaration."""
        docs = await seed(store)
        await store.close()
        again = reopen()
        await again.open(CHANGED_COLLECTIONS)
        try:
            filters = (Eq("account_id", ACCOUNT),)
            mixed = (SortKey("archived"), SortKey("priority", descending=True))
            pages = await all_pages(again, filters, mixed, 4)
            assert [i for page in pages for i in page] == expected_ids(docs, filters, mixed)
            async with again.transaction() as tx:  # (account_id, number) is no longer unique
                await tx.put(TICKETS, {**ticket(40), "number": 1}, expected_version=None)
                with pytest.raises(UnindexedQueryError):  # (account_id, closed_at) is gone
                    await tx.find(TICKETS, Query(filters, (SortKey("closed_at"),)))
            clashing = {**ticket(42), "number": 2, "customer": {"email": "x"}}
            await self._insert(again, {**clashing, "id": "a041"}, TICKETS)
            with pytest.raises(UniqueViolationError):  # (account_id, customer.email, number)
                await self._insert(again, clashing, TICKETS)
        finally:
            await again.close()

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    async def _insert(store: DocumentStore, doc: Document, collection: str = NOTES) -> Document:
        async with store.transaction() as tx:
            return await tx.put(collection, doc, expected_version=None)

    @staticmethod
    async def _get(store: DocumentStore, collection: str, doc_id: str) -> Document | None:
        async with store.transaction() as tx:
            return await tx.get(collection, doc_id)
