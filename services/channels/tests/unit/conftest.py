from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork

from ..mail_harness import Ingestion, make_ingestion


@pytest.fixture
async def uow() -> UnitOfWork:
    """A unit of work on a fresh in-memory store with the channels service's collections."""
    store = MemoryStore()
    await store.open(COLLECTIONS)
    return UnitOfWork(store, "channels")


@pytest.fixture(params=["memory", "sqlite"])
async def ingestion(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Ingestion]:
    """The ingestion harness on the in-memory store and on SQLite (the embedded default)."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'channels.sqlite3'}"
    ingestion = await make_ingestion(tmp_path, url)
    try:
        yield ingestion
    finally:
        await ingestion.uow.store.close()
