"""The outbox relay publishes in commit order per ordering key, different keys side by side;
removes only what was confirmed; retries a refused message with backoff and parks it in the
end, holding back only its own key; waits out an unavailable broker; wakes on commit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_chassis.messaging.relay import OutboxRelay, backoff_seconds
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import OutboxMessage


def message(n: int, key: str = "") -> OutboxMessage:
    return OutboxMessage(
        f"m{n}", "ticketflow.events", "ticket.created", f"{n}".encode(), ordering_key=key
    )


async def enqueue(store: MemoryStore, *numbers: int, key: str = "") -> None:
    async with store.transaction() as tx:
        for n in numbers:
            await tx.add_to_outbox(message(n, key))


class Refused(Exception):
    """What the broker's return of a mandatory message raises (not broker trouble)."""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Broker:
    """A fake publish: records what it confirmed; refuses the ids in `refused`, raises
    ConnectionError while `down`."""

    def __init__(self, *refused: str):
        self.refused = set(refused)
        self.down = False
        self.confirmed: list[str] = []

    async def publish(self, m: OutboxMessage) -> None:
        if self.down:
            raise ConnectionError("broker gone")
        if m.message_id in self.refused:
            raise Refused(f"NO_ROUTE {m.routing_key}")
        self.confirmed.append(m.message_id)


def relay_on(
    store: MemoryStore,
    broker: Broker,
    clock: Clock,
    *,
    max_attempts: int = 15,
    retry_max_seconds: float = 300,
) -> OutboxRelay:
    return OutboxRelay(
        store,
        broker.publish,
        poll_seconds=60,
        batch_size=100,
        max_attempts=max_attempts,
        retry_max_seconds=retry_max_seconds,
        clock=clock,
    )


async def state(store: MemoryStore, message_id: str) -> tuple[int, str | None, object, object]:
    [entry] = [e for e in await store.outbox_entries() if e.message.message_id == message_id]
    return entry.attempts, entry.last_error, entry.next_attempt_at, entry.parked_at


async def outbox_emptied(store: MemoryStore) -> None:
    while await store.outbox_entries():
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
    assert await store.outbox_entries() == []


async def test_an_unconfirmed_message_stays_in_the_outbox(store: MemoryStore) -> None:
    async def publish(m: OutboxMessage) -> None:
        raise ConnectionError("broker gone")

    await enqueue(store, 1)
    relay = OutboxRelay(store, publish, poll_seconds=60, batch_size=10)

    with pytest.raises(ConnectionError):
        await relay.drain()
    assert [e.message.message_id for e in await store.outbox_entries()] == ["m1"]


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


async def test_a_refused_message_holds_back_neither_other_keys_nor_what_was_confirmed(
    store: MemoryStore,
) -> None:
    await enqueue(store, 1, key="a")
    await enqueue(store, 2, key="b")
    await enqueue(store, 3, key="c")
    broker, clock = Broker("m1"), Clock()
    relay = relay_on(store, broker, clock)

    assert await relay.drain() == 2
    assert broker.confirmed == ["m2", "m3"]
    assert [e.message.message_id for e in await store.outbox_entries()] == ["m1"]

    assert await relay.drain() == 0  # m1 waits for its next attempt; nothing is republished
    clock.advance(1)
    broker.refused.clear()
    assert await relay.drain() == 1
    assert broker.confirmed == ["m2", "m3", "m1"]
    assert await store.outbox_entries() == []


async def test_the_messages_of_one_key_leave_in_order_behind_a_refused_one(
    store: MemoryStore,
) -> None:
    await enqueue(store, 1, 2, 3, key="a")
    await enqueue(store, 4, key="b")
    broker, clock = Broker("m2"), Clock()
    relay = relay_on(store, broker, clock)

    await relay.drain()
    assert broker.confirmed == ["m1", "m4"]
    broker.refused.clear()
    clock.advance(1)
    await relay.drain()
    assert broker.confirmed == ["m1", "m4", "m2", "m3"]


async def test_different_keys_are_published_side_by_side(store: MemoryStore) -> None:
    await enqueue(store, 1, key="a")
    await enqueue(store, 2, key="b")
    release, published = asyncio.Event(), []

    async def publish(m: OutboxMessage) -> None:
        if m.message_id == "m1":
            await release.wait()  # a slow confirm
        published.append(m.message_id)

    relay = OutboxRelay(store, publish, poll_seconds=60, batch_size=10)
    draining = asyncio.create_task(relay.drain())
    while published != ["m2"]:
        await asyncio.sleep(0.001)
    release.set()
    assert await draining == 2
    assert published == ["m2", "m1"]


async def test_a_refused_message_is_retried_after_1_2_4_seconds_up_to_the_most(
    store: MemoryStore,
) -> None:
    await enqueue(store, 1, key="a")
    broker, clock = Broker("m1"), Clock()
    relay = relay_on(store, broker, clock, retry_max_seconds=5)
    start = clock.now

    waits = []
    for _ in range(5):
        await relay.drain()
        attempts, error, next_attempt_at, parked_at = await state(store, "m1")
        assert isinstance(next_attempt_at, datetime)
        waits.append((next_attempt_at - clock.now).total_seconds())
        clock.now = next_attempt_at
    assert waits == [1, 2, 4, 5, 5]
    assert (attempts, error, parked_at) == (5, "Refused: NO_ROUTE ticket.created", None)
    assert clock.now - start == timedelta(seconds=17)

    clock.advance(-0.001)
    await relay.drain()
    assert (await state(store, "m1"))[0] == 5  # not due yet: not tried


async def test_a_message_is_parked_with_its_error_after_the_last_attempt(
    store: MemoryStore,
) -> None:
    await enqueue(store, 1, 2, key="a")
    broker, clock = Broker("m1"), Clock()
    relay = relay_on(store, broker, clock, max_attempts=3)

    for _ in range(3):
        await relay.drain()
        clock.advance(3600)
    attempts, error, next_attempt_at, parked_at = await state(store, "m1")
    assert (attempts, error) == (3, "Refused: NO_ROUTE ticket.created")
    assert (next_attempt_at, parked_at) == (None, clock.now - timedelta(seconds=3600))
    assert broker.confirmed == []

    clock.advance(86400 * 365)
    await relay.drain()
    assert broker.confirmed == []  # m2 stays behind its parked predecessor
    broker.refused.clear()
    assert await store.outbox_unpark(["m1"]) == 1
    assert await relay.drain() == 2
    assert broker.confirmed == ["m1", "m2"]


async def test_an_unavailable_broker_counts_no_attempt(store: MemoryStore) -> None:
    await enqueue(store, 1, key="a")
    broker, clock = Broker(), Clock()
    broker.down = True
    relay = relay_on(store, broker, clock, max_attempts=1)

    for _ in range(3):
        with pytest.raises(ConnectionError):
            await relay.drain()
    assert await state(store, "m1") == (0, None, None, None)

    broker.down = False
    assert await relay.drain() == 1


def test_the_backoff_doubles_from_one_second_up_to_the_most() -> None:
    assert [backoff_seconds(n, 300) for n in (1, 2, 3, 9, 10, 1000)] == [1, 2, 4, 256, 300, 300]
