"""Inbox expiry forgets processed ids older than the retention, at start and then hourly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ticketflow_chassis.inbox_expiry import InboxExpiry
from ticketflow_chassis.store.memory import MemoryStore


async def mark(store: MemoryStore, key: str) -> bool:
    async with store.transaction() as tx:
        return await tx.mark_processed(key)


async def test_marks_older_than_the_retention_are_forgotten_and_newer_ones_kept() -> None:
    store = MemoryStore()
    await mark(store, "q:m1")
    now = datetime.now(UTC)

    def expiry(days_later: int) -> InboxExpiry:
        return InboxExpiry(store, timedelta(days=7), clock=lambda: now + timedelta(days=days_later))

    assert await expiry(6).expire_now() == 0
    assert await mark(store, "q:m1") is False  # still known: a redelivery
    assert await expiry(8).expire_now() == 1
    assert await mark(store, "q:m1") is True  # forgotten


async def test_the_worker_expires_once_at_start() -> None:
    store = MemoryStore()
    await mark(store, "q:m1")
    expiry = InboxExpiry(
        store, timedelta(days=7), clock=lambda: datetime.now(UTC) + timedelta(days=8)
    )
    expiry.start()
    try:
        for _ in range(500):
            if await mark(store, "q:m1"):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the inbox mark was not expired at start")
    finally:
        await expiry.stop()
