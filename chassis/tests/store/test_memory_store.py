"""The storage contract, run against the in-memory adapter in both of its modes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import DocumentStore

from .contract import COLLECTIONS, StoreContract


class TestMemoryStore(StoreContract):
    snapshot_isolation = False

    @pytest.fixture
    async def store(self) -> AsyncIterator[DocumentStore]:
        store = MemoryStore(snapshot_isolation=self.snapshot_isolation)
        await store.open(COLLECTIONS)
        yield store
        await store.close()

    @pytest.mark.skip(reason="MemoryStore keeps its data in the process: nothing survives close")
    async def test_data_survives_close_and_reopen(
        self, store: DocumentStore, reopen: Callable[[], DocumentStore]
    ) -> None:
        """Not a persistent adapter, by design."""

    @pytest.mark.skip(reason="MemoryStore keeps its data in the process: nothing survives close")
    async def test_reopening_with_changed_indexes_rebuilds_them(
        self, store: DocumentStore, reopen: Callable[[], DocumentStore]
    ) -> None:
        """Not a persistent adapter, by design."""


class TestSnapshotIsolatedMemoryStore(TestMemoryStore):
    snapshot_isolation = True
