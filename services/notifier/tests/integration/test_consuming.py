"""The notifier consuming on the real broker with its SQLite store: a ticket event published
on the events exchange reaches it through its queue's binding; poison lands in the queue's
`.dlq` with the error while consuming goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import pytest

from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import (
    TEST_JWT_SECRET,
    consuming_on_the_broker,
    envelope_of,
    eventually,
    publish_on_the_broker,
)
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import EVENTS_EXCHANGE, TicketCreated
from ticketflow_notifier.adapters.repository import COLLECTIONS, TicketRecords
from ticketflow_notifier.domain.replicas import TicketRecord
from ticketflow_notifier.entrypoints.subscribers import QUEUES, TICKET_EVENTS, build_router
from ticketflow_notifier.settings import NotifierSettings

pytestmark = pytest.mark.rabbitmq


def notifier(amqp_url: str, tmp_path: Path) -> ServiceRuntime:
    settings = NotifierSettings(amqp_url=amqp_url, var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES)


def created(ticket_id: str) -> TicketCreated:
    return TicketCreated(
        ticket_id=ticket_id, pipeline_id="default", status_id="1", created_at=datetime.now(UTC)
    )


async def record_of(runtime: ServiceRuntime, ticket_id: str) -> TicketRecord | None:
    async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
        return await TicketRecords(session).get("a1", ticket_id)


async def test_a_ticket_created_on_the_events_exchange_is_recorded_in_sqlite(
    amqp_url: str, tmp_path: Path
) -> None:
    runtime = notifier(amqp_url, tmp_path)
    async with consuming_on_the_broker(runtime, build_router(runtime)):
        await publish_on_the_broker(runtime, envelope_of(created("t-real"), account_id="a1"))
        record = await eventually(lambda: record_of(runtime, "t-real"))

    assert record.status_id == "1"
    assert (tmp_path / "notifier.sqlite3").exists()


async def test_poison_is_parked_with_its_error_and_the_next_ticket_is_still_recorded(
    amqp_url: str, tmp_path: Path
) -> None:
    runtime = notifier(amqp_url, tmp_path)
    async with consuming_on_the_broker(runtime, build_router(runtime)):
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            events = await channel.get_exchange(EVENTS_EXCHANGE)
            await events.publish(
                aio_pika.Message(b"{not json", message_id="poison-n1"),
                routing_key="ticket.created",
            )
            dlq = await channel.get_queue(TICKET_EVENTS.dead_letter_queue)
            parked = await eventually(lambda: dlq.get(fail=False))
            await parked.ack()
        await publish_on_the_broker(runtime, envelope_of(created("t-after"), account_id="a1"))
        await eventually(lambda: record_of(runtime, "t-after"))

    assert parked.message_id == "poison-n1"
    assert "not a ticketflow envelope" in str(parked.headers["x-error"])
    assert parked.headers["x-failed-queue"] == TICKET_EVENTS.name
