"""Reads over HTTP on SQLite answer while a write transaction holds the store: they run on
`uow.read`, beside the writer, instead of queuing for its lock (issue 9)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import writer_held_open
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http import build_api_router

from .pipeline_api import CRM, OPERATOR, TOKENS, bearer


async def test_a_pipeline_is_read_while_a_writer_holds_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "pipeline.sqlite3")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "pipeline")
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(uow, TOKENS, TierPolicy(), 0.2))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://pipeline") as client:
            body = {"name": "Acme", "tier": "professional", "admin_email": "a@b.co"}
            opened = await client.post("/admin/v1/accounts", json=body, headers=bearer(OPERATOR))
            assert opened.status_code == 201, opened.text
            admin = {"Authorization": f"Bearer {opened.json()['token']}"}

            async with writer_held_open(uow):
                fetched = await asyncio.wait_for(
                    client.get(f"{CRM}/default", headers=admin), timeout=2
                )

        assert fetched.status_code == 200
        assert fetched.json()["id"] == "default"
    finally:
        await store.close()
