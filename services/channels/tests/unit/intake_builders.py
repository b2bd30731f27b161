"""What the intake tests share: connected email inboxes put straight into the store, what
intake wrote (intakes, the ingestion commands in the outbox), and stores that fail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from ticketflow_channels.adapters.intake_repository import IntakeRepository
from ticketflow_channels.adapters.repository import COLLECTIONS, ConnectionRepository
from ticketflow_channels.domain.connections import ChannelConnection
from ticketflow_channels.domain.intake import Intake, IntakeStatus
from ticketflow_chassis.store.memory import MemoryStore, MemoryTransaction
from ticketflow_chassis.store.port import TransientStoreError
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RAW = (
    b"From: Ada <ada@customer.test>\r\n"
    b"To: Help <help@acme.test>\r\n"
    b"Subject: Printer on fire\r\n"
    b"Message-ID: <1@customer.test>\r\n"
    b"\r\n"
    b"It is on fire.\r\n"
)


async def connect_email(
    uow: UnitOfWork, account_id: str, address: str, connection_id: str = "c1"
) -> ChannelConnection:
    state = ChannelConnectionSnapshot(
        id=connection_id,
        type=ChannelType.EMAIL,
        address=address,
        pipeline_id="default",
        created_at=NOW,
        updated_at=NOW,
    )
    connection = ChannelConnection(account_id, state, revision=1)
    async with uow.begin(MessageContext.for_request(account_id)) as session:
        await ConnectionRepository(session).save(connection)
    return connection


async def disconnect(uow: UnitOfWork, connection: ChannelConnection) -> None:
    async with uow.begin(MessageContext.for_request(connection.account_id)) as session:
        connection.disconnect(session.now)
        await ConnectionRepository(session).save(connection)


async def queued_intakes(uow: UnitOfWork, account_id: str) -> list[Intake]:
    async with uow.read(MessageContext.for_request(account_id)) as session:
        found, _ = await IntakeRepository(session).page(
            account_id, IntakeStatus.QUEUED, limit=100, after=None
        )
    return found


async def ingest_commands(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The `channels.ingest_email` envelopes in the outbox, oldest first."""
    bodies = [json.loads(entry.message.body) for entry in await uow.store.outbox_entries()]
    return [body for body in bodies if body["type"] == "channels.ingest_email"]


class FailingMemoryStore(MemoryStore):
    """Reads work; every write transaction fails as a store in a failover would, once
    `failing` is set."""

    failing = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        if self.failing:
            raise TransientStoreError("the primary is gone")
        async with super().transaction() as tx:
            yield tx


async def failing_uow() -> UnitOfWork:
    store = FailingMemoryStore()
    await store.open(COLLECTIONS)
    return UnitOfWork(store, "channels", transient_retry_seconds=0.05)
