"""Declaring the topology on the real broker: a binding a release retires is gone after the
next start-up (a durable queue would otherwise keep receiving what nobody subscribes to),
the others stay, and declaring again changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker

from ticketflow_chassis.messaging.topology import QueueSpec, declare_topology, on_events
from ticketflow_contracts import EVENTS_EXCHANGE

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def channel(amqp_url: str) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        yield await connection.channel()


async def declare(amqp_url: str, spec: QueueSpec) -> None:
    broker = RabbitBroker(amqp_url)
    await broker.connect()
    try:
        await declare_topology(broker, (spec,), delivery_limit=5)
    finally:
        await broker.stop()


async def routed_count(
    channel: aio_pika.abc.AbstractChannel, queue_name: str, *routing_keys: str
) -> int:
    """Publishes one message per key; how many the queue received."""
    exchange = await channel.get_exchange(EVENTS_EXCHANGE)
    queue = await channel.get_queue(queue_name)
    await queue.purge()
    for key in routing_keys:
        await exchange.publish(aio_pika.Message(b"{}"), routing_key=key)
    declared = await channel.declare_queue(queue_name, passive=True)
    return declared.declaration_result.message_count or 0


async def test_a_retired_binding_is_removed_and_the_kept_ones_stay(
    amqp_url: str, channel: aio_pika.abc.AbstractChannel
) -> None:
    name = f"probe.{uuid.uuid4().hex}"
    earlier = QueueSpec(name, (on_events("own.#"), on_events("theirs.#")))
    later = QueueSpec(name, (on_events("theirs.#"),), retired=(on_events("own.#"),))
    await declare(amqp_url, earlier)
    assert await routed_count(channel, name, "own.created", "theirs.sent") == 2

    await declare(amqp_url, later)
    await declare(amqp_url, later)  # the retired binding is already gone: no error

    assert await routed_count(channel, name, "own.created", "theirs.sent") == 1
