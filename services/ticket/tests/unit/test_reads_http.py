"""Reads over HTTP on SQLite answer while a write transaction holds the store: they run on
`uow.read`, beside the writer, instead of queuing for its lock (issue 9)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import deliver, writer_held_open
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router

from .builders import apply_pipeline_snapshot
from .queries_support import ADMIN, TOKENS, URL, http_client
from .test_handlers import snapshot_message

CREATE = {"properties": {"subject": "Printer on fire", "hs_pipeline": "default"}}


async def test_a_ticket_is_read_while_a_writer_holds_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ticket.sqlite3")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    try:
        await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Support"))
        async with http_client(uow, build_api_router(uow, TOKENS)) as client:
            created = await client.post(URL, json=CREATE, headers=ADMIN)
            assert created.status_code == 201, created.text

            async with writer_held_open(uow):
                read = client.get(f"{URL}/{created.json()['id']}", headers=ADMIN)
                fetched = await asyncio.wait_for(read, timeout=2)

        assert fetched.status_code == 200
        assert fetched.json() == created.json()
    finally:
        await store.close()
