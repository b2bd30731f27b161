"""`ticketflow dlq list|replay` on the real RabbitMQ: a fresh quorum queue and its `.dlq`."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, HeadersType

from ticketflow_cli import dlq
from ticketflow_cli.main import main

pytestmark = pytest.mark.rabbitmq

PARKING_HEADERS = {
    "x-error": "PoisonMessage: not a ticketflow envelope",
    "x-error-type": "PoisonMessage",
    "x-original-exchange": "ticketflow.events",
    "x-original-routing-key": "pipeline.updated",
    "x-failed-at": "2025-01-02T03:04:05+00:00",
    "x-attempts": "3",
}


@dataclass
class Queues:
    channel: AbstractChannel
    name: str

    @property
    def parked(self) -> str:
        return f"{self.name}.dlq"

    async def count(self, name: str, expected: int) -> int:
        """Messages ready in `name`, polled until it is `expected` (or 3 s pass): a message
        requeued by a closing channel shows up in the broker's count a moment later."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 3.0
        while True:
            queue = await self.channel.declare_queue(name, passive=True)
            current = int(queue.declaration_result.message_count or 0)
            if current == expected or loop.time() >= deadline:
                return current
            await asyncio.sleep(0.05)

    async def park(self, message_id: str, body: bytes = b'{"broken": true}') -> None:
        headers: HeadersType = {
            **PARKING_HEADERS,
            "x-failed-queue": self.name,
            "traceparent": "00-abc-01",
        }
        message = aio_pika.Message(
            body,
            headers=headers,
            message_id=message_id,
            correlation_id="corr-1",
            type="pipeline.updated",
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self.channel.default_exchange.publish(message, routing_key=self.parked)


@pytest.fixture
async def queues(amqp_url: str) -> AsyncIterator[Queues]:
    """`ticket.test-<uuid>` and its `.dlq`, both quorum queues, deleted afterwards."""
    name = f"ticket.test-{uuid.uuid4().hex[:12]}"
    arguments: HeadersType = {"x-queue-type": "quorum"}
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        for queue in (name, f"{name}.dlq"):
            await channel.declare_queue(queue, durable=True, arguments=arguments)
        try:
            yield Queues(channel, name)
        finally:
            for queue in (name, f"{name}.dlq"):
                await channel.queue_delete(queue)


async def test_list_prints_a_parked_message_and_leaves_it_parked(
    amqp_url: str, queues: Queues
) -> None:
    await queues.park("m-1")
    out, err = io.StringIO(), io.StringIO()

    assert await dlq.list_parked(amqp_url, queues.name, out=out, err=err) == 0

    [line] = out.getvalue().splitlines()
    assert json.loads(line) == {
        "queue": queues.parked,
        "message_id": "m-1",
        "failed_queue": queues.name,
        "error": "PoisonMessage: not a ticketflow envelope",
        "error_type": "PoisonMessage",
        "failed_at": "2025-01-02T03:04:05+00:00",
        "attempts": 3,
        "original_exchange": "ticketflow.events",
        "original_routing_key": "pipeline.updated",
        "body": '{"broken": true}',
    }
    assert await queues.count(queues.parked, 1) == 1


async def test_list_accepts_the_dlq_name_and_truncates_long_bodies(
    amqp_url: str, queues: Queues
) -> None:
    await queues.park("m-long", body=b"x" * 2000)
    out = io.StringIO()

    assert await dlq.list_parked(amqp_url, queues.parked, out=out, err=io.StringIO()) == 0

    assert json.loads(out.getvalue())["body"] == "x" * 500


async def test_list_of_a_missing_queue_fails_and_the_default_list_skips_missing_ones(
    amqp_url: str,
) -> None:
    err = io.StringIO()

    assert await dlq.list_parked(amqp_url, "nobody.nothing", out=io.StringIO(), err=err) == 1
    assert "no queue named nobody.nothing.dlq" in err.getvalue()
    # The test virtual host holds none of the known service queues.
    assert await dlq.list_parked(amqp_url, None, out=io.StringIO(), err=io.StringIO()) == 0


async def test_replay_moves_the_message_back_without_the_parking_headers(
    amqp_url: str, queues: Queues
) -> None:
    await queues.park("m-1")
    out = io.StringIO()

    assert await dlq.replay(amqp_url, queues.name, message_id=None, out=out, err=io.StringIO()) == 0

    assert f"replayed 1 message(s) from {queues.parked}" in out.getvalue()
    assert await queues.count(queues.parked, 0) == 0
    queue = await queues.channel.declare_queue(queues.name, passive=True)
    replayed = await queue.get(no_ack=True)
    assert replayed.body == b'{"broken": true}'
    assert (replayed.message_id, replayed.correlation_id) == ("m-1", "corr-1")
    assert (replayed.type, replayed.content_type) == ("pipeline.updated", "application/json")
    assert replayed.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert {k: v for k, v in replayed.headers.items() if k != "x-delivery-count"} == {
        "traceparent": "00-abc-01"
    }


async def test_replay_by_message_id_leaves_the_others_parked(
    amqp_url: str, queues: Queues, capsys: pytest.CaptureFixture[str]
) -> None:
    await queues.park("m-1")
    await queues.park("m-2")
    argv = ["dlq", "--amqp-url", amqp_url, "replay", queues.parked, "--message-id", "m-2"]

    assert await asyncio.to_thread(main, argv) == 0

    assert "replayed 1 message(s)" in capsys.readouterr().out
    assert await queues.count(queues.name, 1) == 1
    assert await queues.count(queues.parked, 1) == 1
    queue = await queues.channel.declare_queue(queues.parked, passive=True)
    assert (await queue.get(no_ack=True)).message_id == "m-1"


async def test_replay_of_an_unknown_message_id_fails_and_moves_nothing(
    amqp_url: str, queues: Queues
) -> None:
    await queues.park("m-1")
    err = io.StringIO()

    assert (
        await dlq.replay(amqp_url, queues.name, message_id="nope", out=io.StringIO(), err=err) == 1
    )

    assert f"no message nope in {queues.parked}" in err.getvalue()
    assert await queues.count(queues.parked, 1) == 1
    assert await queues.count(queues.name, 0) == 0


async def test_replay_to_a_queue_that_no_longer_exists_keeps_the_message_parked(
    amqp_url: str, queues: Queues
) -> None:
    await queues.park("m-1")
    await queues.channel.queue_delete(queues.name)
    err = io.StringIO()

    assert (
        await dlq.replay(amqp_url, queues.parked, message_id=None, out=io.StringIO(), err=err) == 1
    )

    assert f"queue {queues.name} does not exist" in err.getvalue()
    assert await queues.count(queues.parked, 1) == 1
