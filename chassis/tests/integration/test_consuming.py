"""Consuming on the real broker: poison parked in `.dlq` with its error, retries up to the
delivery limit, redeliveries without a second effect, and the consumer keeps going."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aio_pika
import pytest

from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.testing import TEST_JWT_SECRET, envelope_of, eventually, wire_body
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    EVENTS_EXCHANGE,
    Actor,
    ActorKind,
    Envelope,
    TicketArchived,
    TicketCreated,
)
from ticketflow_contracts.errors import TicketflowError

pytestmark = pytest.mark.rabbitmq

EFFECTS = "effects"


def ticket_created_body(
    ticket_id: str, message_id: uuid.UUID | None = None, version: int | None = None
) -> bytes:
    payload = TicketCreated(
        ticket_id=ticket_id, pipeline_id="default", status_id="1", created_at=datetime.now(UTC)
    )
    envelope = envelope_of(payload, message_id=message_id)
    if version is not None:
        envelope = envelope.model_copy(update={"version": version})
    return wire_body(envelope)


class Probe:
    """A runtime consuming one fresh queue; the handler's behaviour is set per test."""

    def __init__(self, amqp_url: str):
        self.key = f"probe.{uuid.uuid4().hex}"
        self.queue = QueueSpec(f"probe.{uuid.uuid4().hex}", (on_events(self.key),))
        settings = ServiceSettings(
            service_name="probe",
            http_port=9,
            amqp_url=amqp_url,
            store_url="memory://",
            delivery_limit=3,
            jwt_secret=TEST_JWT_SECRET,
        )
        self.runtime = ServiceRuntime(settings, (Collection(EFFECTS),), (self.queue,))
        self.failure: Exception | None = None
        self.calls = 0
        consumer = self.runtime.consumer(self.queue)

        @consumer.on(TicketCreated)
        async def on_ticket_created(event: Envelope[TicketCreated]) -> None:
            await self.record(event.payload, consumer.context_of(event))

        self.runtime.broker.include_router(consumers_router(consumer))

    async def record(self, event: TicketCreated, context: MessageContext) -> None:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        async with self.runtime.uow.begin(context) as session:
            await session.put(EFFECTS, {"id": event.ticket_id}, expected_version=None)

    async def effects(self) -> int:
        async with self.runtime.store.transaction() as tx:
            return await tx.count(EFFECTS)


@pytest.fixture
async def probe(amqp_url: str) -> AsyncIterator[Probe]:
    probe = Probe(amqp_url)
    async with probe.runtime.lifespan():
        yield probe


@pytest.fixture
async def channel(amqp_url: str) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        yield await connection.channel()


async def publish(
    channel: aio_pika.abc.AbstractChannel, key: str, body: bytes, content_type: str | None = None
) -> None:
    exchange = await channel.get_exchange(EVENTS_EXCHANGE)
    message = aio_pika.Message(body, message_id=str(uuid.uuid4()), content_type=content_type)
    await exchange.publish(message, routing_key=key)


async def next_parked(
    channel: aio_pika.abc.AbstractChannel, queue: QueueSpec
) -> aio_pika.abc.AbstractIncomingMessage:
    dlq = await channel.get_queue(queue.dead_letter_queue)
    for _ in range(200):
        message = await dlq.get(fail=False)
        if message is not None:
            await message.ack()
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing arrived in {queue.dead_letter_queue}")


async def test_a_malformed_message_is_parked_with_its_error_and_consuming_goes_on(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    await publish(channel, probe.key, b"{not json")
    parked = await next_parked(channel, probe.queue)

    assert parked.body == b"{not json"
    assert "not a ticketflow envelope" in str(parked.headers["x-error"])
    assert parked.headers["x-failed-queue"] == probe.queue.name
    assert parked.headers["x-original-routing-key"] == probe.key

    await publish(channel, probe.key, ticket_created_body("t-after-poison"))

    async def handled() -> bool:
        return await probe.effects() == 1

    await eventually(handled)


async def test_an_invalid_payload_is_parked_without_retry(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    body = ticket_created_body("t1").replace(b'"pipeline_id":"default",', b"")
    await publish(channel, probe.key, body)
    parked = await next_parked(channel, probe.queue)

    assert parked.headers["x-error-type"] == "ValidationError"
    assert "payload.pipeline_id" in str(parked.headers["x-error"])
    assert parked.headers["x-attempts"] == "1"
    assert probe.calls == 0


async def test_a_domain_error_is_parked_at_once(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    probe.failure = TicketflowError("pipeline 'gone' does not exist")
    await publish(channel, probe.key, ticket_created_body("t1"))
    parked = await next_parked(channel, probe.queue)

    assert "pipeline 'gone' does not exist" in str(parked.headers["x-error"])
    assert probe.calls == 1


async def test_a_failing_handler_is_retried_up_to_the_delivery_limit_then_parked(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    probe.failure = RuntimeError("database down")
    await publish(channel, probe.key, ticket_created_body("t1"))
    parked = await next_parked(channel, probe.queue)

    assert parked.headers["x-error"] == "RuntimeError: database down"
    assert parked.headers["x-attempts"] == "3"
    assert probe.calls == 3


async def test_a_redelivered_message_has_its_effect_once(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    message_id = uuid.uuid4()
    for _ in range(3):
        await publish(channel, probe.key, ticket_created_body("t1", message_id))
    await publish(channel, probe.key, ticket_created_body("t2"))

    async def all_seen() -> bool:
        return probe.calls == 4

    await eventually(all_seen)
    assert await probe.effects() == 2


async def test_a_newer_version_than_the_consumer_knows_is_parked_at_once(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    await publish(channel, probe.key, ticket_created_body("t1", version=2))
    parked = await next_parked(channel, probe.queue)

    assert "version 2 is newer than the supported version 1" in str(parked.headers["x-error"])
    assert parked.headers["x-attempts"] == "1"
    assert probe.calls == 0


async def test_a_type_the_queue_has_no_subscriber_for_is_acknowledged_and_ignored(
    probe: Probe, channel: aio_pika.abc.AbstractChannel
) -> None:
    archived = TicketArchived(
        ticket_id="t0",
        pipeline_id="default",
        status_id="1",
        actor=Actor(kind=ActorKind.USER, id="u1"),
        archived_at=datetime.now(UTC),
    )
    await publish(channel, probe.key, wire_body(envelope_of(archived)))
    await publish(channel, probe.key, ticket_created_body("t1"))

    async def handled() -> bool:
        return await probe.effects() == 1

    await eventually(handled)
    queue = await channel.declare_queue(probe.queue.name, passive=True)
    dlq = await channel.declare_queue(probe.queue.dead_letter_queue, passive=True)
    assert (queue.declaration_result.message_count, dlq.declaration_result.message_count) == (0, 0)
    assert probe.calls == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"\xff\xfe\xfa not utf-8", "text/plain"),
        (b"\xff\xfe\xfa not utf-8", "application/json"),
        (b'{"type": "ticket.created"', None),
    ],
    ids=["not-json-as-json", "not-utf8-as-text", "not-utf8-as-json", "truncated-no-type"],
)
async def test_a_body_that_does_not_decode_as_its_content_type_says_is_parked(
    probe: Probe, channel: aio_pika.abc.AbstractChannel, body: bytes, content_type: str | None
) -> None:
    await publish(channel, probe.key, body, content_type)
    parked = await next_parked(channel, probe.queue)

    assert parked.body == body
    assert "not a ticketflow envelope" in str(parked.headers["x-error"])
    assert parked.headers["x-attempts"] == "1"
    queue = await channel.declare_queue(probe.queue.name, passive=True)
    assert queue.declaration_result.message_count == 0
    await publish(channel, probe.key, ticket_created_body("t-after"))

    async def handled() -> bool:
        return await probe.effects() == 1

    await eventually(handled)
