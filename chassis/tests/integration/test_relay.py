"""The outbox relay on the real broker: a command the broker returns (mandatory, and no
queue is bound for it) waits with its error and backoff, and holds back nothing recorded
after it about anything else."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aio_pika
import pytest

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.testing import TEST_JWT_SECRET, eventually
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import CloseStatuses, TicketCreated

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def runtime(amqp_url: str) -> AsyncIterator[ServiceRuntime]:
    settings = ServiceSettings(
        service_name="relay-probe",
        http_port=9,
        amqp_url=amqp_url,
        store_url="memory://",
        outbox_poll_seconds=0.1,
        jwt_secret=TEST_JWT_SECRET,
    )
    queue = QueueSpec(f"relay-probe.{uuid.uuid4().hex}", (on_events("ticket.created.#"),))
    service = ServiceRuntime(settings, (), (queue,), (CloseStatuses, TicketCreated))
    async with service.lifespan():
        yield service


async def test_an_unroutable_command_does_not_hold_back_the_events_recorded_after_it(
    runtime: ServiceRuntime, amqp_url: str
) -> None:
    queue_spec = runtime.queues[0]
    unroutable = CloseStatuses(retirement_id="r1", pipeline_id="default", status_ids=["1"])
    async with runtime.uow.begin(MessageContext("acct-1", uuid.uuid4())) as session:
        command = await session.record(unroutable)  # no queue is bound for it here
        for n in range(3):
            await session.record(
                TicketCreated(
                    ticket_id=f"t{n}",
                    pipeline_id="default",
                    status_id="1",
                    created_at=datetime.now(UTC),
                )
            )

    async def command_failed_once() -> bool:
        entries = await runtime.store.outbox_entries()
        return len(entries) == 1 and entries[0].attempts >= 1

    await eventually(command_failed_once)
    await asyncio.sleep(1.5)  # past the command's first retry and a dozen polls

    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_spec.name)
        arrived: list[str] = []
        while (message := await queue.get(fail=False)) is not None:
            await message.ack()
            arrived.append(json.loads(message.body)["payload"]["ticket_id"])
    assert arrived == ["t0", "t1", "t2"]  # each once: confirmed, removed, not republished
    [waiting] = await runtime.store.outbox_entries()
    assert waiting.message.message_id == str(command.message_id)
    assert waiting.last_error
    assert waiting.next_attempt_at is not None
    assert waiting.parked_at is None
