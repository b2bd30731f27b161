"""The outbox relay publishes in commit order, removes only what was confirmed, wakes on commit."""

from __future__ import annotations

import asyncio

import pytest

from ticketflow_chassis.messaging.relay import OutboxRelay
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import OutboxMessage


def message(n: int) -> OutboxMessage:
    return OutboxMessage(f"m{n}", "ticketflow.events", "ticket.created", f"{n}".encode())


async def enqueue(store: MemoryStore, *numbers: int) -> None:
    async with store.transaction() as tx:
        for n in numbers:
            await tx.add_to_outbox(message(n))


async def outbox_emptied(store: MemoryStore) -> None:
    while await store.outbox_batch(1):
        await asyncio.sleep(0.01)


@pytest.fixture
async def store() -> MemoryStore:
    store = MemoryStore()
    await store.open([])
    return store


async def test_drain_publishes_in_order_and_empties_the_outbox(store: MemoryStore) -> None:
    published: list[str] = []

    async def publish(m: OutboxMessage) -> None:
        published.append(m.message_id)

    await enqueue(store, 1, 2, 3)
    relay = OutboxRelay(store, publish, poll_seconds=60, batch_size=2)

    assert await relay.drain() == 3
    assert published == ["m1", "m2", "m3"]
    assert await store.outbox_batch(10) == []


async def test_an_unconfirmed_message_stays_in_the_outbox(store: MemoryStore) -> None:
    async def publish(m: OutboxMessage) -> None:
        raise ConnectionError("broker gone")

    await enqueue(store, 1)
    relay = OutboxRelay(store, publish, poll_seconds=60, batch_size=10)

    with pytest.raises(ConnectionError):
        await relay.drain()
    assert [e.message.message_id for e in await store.outbox_batch(10)] == ["m1"]


async def test_a_wake_publishes_without_waiting_for_the_poll(store: MemoryStore) -> None:
    arrived = asyncio.Event()

    async def publish(m: OutboxMessage) -> None:
        arrived.set()

    relay = OutboxRelay(store, publish, poll_seconds=3600, batch_size=10)
    relay.start()
    try:
        await asyncio.sleep(0.05)  # let the relay go idle on an empty outbox
        await enqueue(store, 1)
        relay.wake()
        await asyncio.wait_for(arrived.wait(), timeout=5)
        await asyncio.wait_for(outbox_emptied(store), timeout=5)
    finally:
        await relay.stop()


async def test_the_relay_retries_after_a_failed_publish(store: MemoryStore) -> None:
    attempts: list[str] = []
    delivered = asyncio.Event()

    async def publish(m: OutboxMessage) -> None:
        attempts.append(m.message_id)
        if len(attempts) == 1:
            raise ConnectionError("broker gone")
        delivered.set()

    await enqueue(store, 1)
    relay = OutboxRelay(store, publish, poll_seconds=3600, batch_size=10, retry_seconds=0.01)
    relay.start()
    try:
        await asyncio.wait_for(delivered.wait(), timeout=5)
    finally:
        await relay.stop()
    assert attempts == ["m1", "m1"]
