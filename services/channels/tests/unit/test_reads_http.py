"""Reads over HTTP on SQLite answer while a write transaction holds the store: they run on
`uow.read`, beside the writer, instead of queuing for its lock (issue 9)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.entrypoints.http import build_api_router
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import deliver, writer_held_open
from ticketflow_chassis.uow import UnitOfWork

from .test_http_connections import (
    ADMIN,
    BASE,
    EMAIL,
    TOKENS,
    apply_pipeline_snapshot,
    pipeline_event,
)


async def test_a_connection_is_read_while_a_writer_holds_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "channels.sqlite3")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "channels")
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(uow, TOKENS))
    transport = httpx.ASGITransport(app=app)
    try:
        await deliver(apply_pipeline_snapshot, uow, pipeline_event("a1", "default"))
        async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
            created = await client.post(BASE, json=EMAIL, headers=ADMIN)
            assert created.status_code == 201, created.text

            async with writer_held_open(uow):
                read = client.get(f"{BASE}/{created.json()['id']}", headers=ADMIN)
                fetched = await asyncio.wait_for(read, timeout=2)

        assert fetched.status_code == 200
        assert fetched.json() == created.json()
    finally:
        await store.close()
