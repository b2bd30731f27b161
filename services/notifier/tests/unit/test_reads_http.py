"""Reads over HTTP on SQLite answer while a write transaction holds the store: they run on
`uow.read`, beside the writer, instead of queuing for its lock (issue 9)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI

from ticketflow_chassis.auth import Principal, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import deliver, envelope_of, pipeline_snapshot, writer_held_open
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import PipelineCreated, TicketCreated
from ticketflow_notifier.adapters.repository import COLLECTIONS, PIPELINES
from ticketflow_notifier.entrypoints.http import build_api_router
from ticketflow_notifier.handlers.tickets import record_ticket_created

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_a_ticket_record_is_read_while_a_writer_holds_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "notifier.sqlite3")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "notifier")
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(uow, TOKENS))
    transport = httpx.ASGITransport(app=app)
    token = TOKENS.issue(Principal("a1", "u1", frozenset(), frozenset()), now=datetime.now(UTC))
    try:
        created = PipelineCreated(revision=1, pipeline=pipeline_snapshot("p1"))
        await deliver(apply_pipeline_snapshots(PIPELINES), uow, envelope_of(created))
        ticket = TicketCreated(
            ticket_id="t1", pipeline_id="p1", status_id="new", subject="Printer", created_at=NOW
        )
        await deliver(record_ticket_created, uow, envelope_of(ticket))
        client = httpx.AsyncClient(transport=transport, base_url="http://notifier")
        async with client, writer_held_open(uow):
            read = client.get(
                "/notifier/v1/tickets/t1", headers={"Authorization": f"Bearer {token}"}
            )
            fetched = await asyncio.wait_for(read, timeout=2)

        assert fetched.status_code == 200
        assert fetched.json()["subject"] == "Printer"
    finally:
        await store.close()
