"""A MemoryStore whose transactions run side by side, each on the snapshot it began with,
committing first-writer-wins: MongoDB's snapshot isolation, for race tests without MongoDB."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# _State is the memory adapter's private state; this test double extends that adapter.
from ticketflow_chassis.store.memory import MemoryStore, MemoryTransaction, _State
from ticketflow_chassis.store.port import (
    VERSION_FIELD,
    ConflictError,
    Document,
    Filter,
    OutboxEntry,
    OutboxMessage,
    Page,
    Query,
)


class InterleavingTransaction:
    """Yields to the event loop before every operation, as a network round trip would, so
    that concurrent transactions interleave."""

    def __init__(self, inner: MemoryTransaction):
        self._inner = inner

    async def get(self, collection: str, doc_id: str) -> Document | None:
        await asyncio.sleep(0)
        return await self._inner.get(collection, doc_id)

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        await asyncio.sleep(0)
        return await self._inner.put(collection, document, expected_version=expected_version)

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        await asyncio.sleep(0)
        await self._inner.delete(collection, doc_id, expected_version=expected_version)

    async def find(self, collection: str, query: Query) -> Page:
        await asyncio.sleep(0)
        return await self._inner.find(collection, query)

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        await asyncio.sleep(0)
        return await self._inner.count(collection, filters, limit=limit)

    async def add_to_outbox(self, *messages: OutboxMessage) -> None:
        await asyncio.sleep(0)
        await self._inner.add_to_outbox(*messages)

    async def mark_processed(self, inbox_key: str) -> bool:
        await asyncio.sleep(0)
        return await self._inner.mark_processed(inbox_key)


def _version(document: Document | None) -> int | None:
    return None if document is None else int(document[VERSION_FIELD])


class SnapshotIsolationStore(MemoryStore):
    """Reads see the state committed when the transaction began, never a concurrent write
    (so write skew is possible, as on MongoDB); of two transactions that wrote the same
    document (or inbox key), the later to commit fails with ConflictError."""

    @asynccontextmanager
    # type: ignore[override]: yields the interleaving wrapper, not a MemoryTransaction.
    async def transaction(self) -> AsyncIterator[InterleavingTransaction]:  # type: ignore[override]
        async with self._lock:
            began = copy.deepcopy(self._state)
        staged = copy.deepcopy(began)
        yield InterleavingTransaction(MemoryTransaction(self, staged))
        async with self._lock:
            self._commit(began, staged)

    def _commit(self, began: _State, staged: _State) -> None:
        current = self._state
        writes: list[tuple[str, str, Document | None]] = []
        for name, documents in staged.collections.items():
            before = began.collections[name]
            for doc_id in documents.keys() | before.keys():
                mine, was = documents.get(doc_id), before.get(doc_id)
                if mine == was:
                    continue
                now = current.collections[name].get(doc_id)
                if now != was:
                    raise ConflictError(name, doc_id, _version(was), _version(now))
                writes.append((name, doc_id, mine))
        processed = staged.inbox - began.inbox
        for key in processed & current.inbox:
            raise ConflictError("_inbox", key, None, None)
        for name, doc_id, document in writes:
            if document is None:
                del current.collections[name][doc_id]
            else:
                current.collections[name][doc_id] = document
        current.inbox |= processed
        for entry in staged.outbox:
            if entry.seq >= began.next_seq:
                current.outbox.append(OutboxEntry(current.next_seq, entry.message))
                current.next_seq += 1
