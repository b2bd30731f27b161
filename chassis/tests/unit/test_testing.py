"""The test builders that need proving themselves: a writer held open really holds the
writers' turn on SQLite, so a read that answers beside it did not queue behind it."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import writer_held_open
from ticketflow_chassis.uow import MessageContext, UnitOfWork


async def test_a_writer_held_open_keeps_other_writers_waiting_but_not_readers(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "held.sqlite3")
    await store.open([Collection("things")])
    uow = UnitOfWork(store, "test")
    context = MessageContext("a1", uuid.uuid4())
    async with uow.begin(context) as session:
        await session.put("things", {"id": "t1"}, expected_version=None)

    async def write() -> None:
        async with uow.begin(context) as session:
            await session.put("things", {"id": "t2"}, expected_version=None)

    async def read() -> list[str]:
        async with uow.read(context) as session:
            return [id_ for id_ in ("t1", "t2") if await session.get("things", id_)]

    try:
        async with writer_held_open(uow):
            writer = asyncio.create_task(write())
            assert await asyncio.wait_for(read(), timeout=2) == ["t1"]
            await asyncio.sleep(0.1)
            assert not writer.done()  # still waiting for the held writer
        await asyncio.wait_for(writer, timeout=2)
        assert await read() == ["t1", "t2"]
    finally:
        await store.close()
