"""The ticket service consuming on the real broker with its SQLite store: a pipeline snapshot
reaches its replica through the `pipeline.#` binding, and the retirement saga's command,
sent to the commands exchange, is answered on the events exchange."""

from __future__ import annotations

import json
import uuid
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
from ticketflow_contracts import EVENTS_EXCHANGE, CloseStatuses, PipelineCreated, StatusesClosed
from ticketflow_ticket.adapters.repository import COLLECTIONS, TicketRepository
from ticketflow_ticket.app import PUBLISHES
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.entrypoints.subscribers import QUEUES, build_router
from ticketflow_ticket.settings import TicketSettings

from ..unit.builders import pipeline

pytestmark = pytest.mark.rabbitmq


def ticket_service(amqp_url: str, tmp_path: Path) -> ServiceRuntime:
    settings = TicketSettings(amqp_url=amqp_url, var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)


async def replica_of(runtime: ServiceRuntime, pipeline_id: str) -> PipelineReplica | None:
    async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
        return await TicketRepository(session).pipeline("a1", pipeline_id)


async def test_a_pipeline_snapshot_reaches_the_replica_and_a_close_statuses_is_answered(
    amqp_url: str, tmp_path: Path
) -> None:
    runtime = ticket_service(amqp_url, tmp_path)
    replica = pipeline("p-real")
    retirement_id = uuid.uuid4().hex
    connection = await aio_pika.connect(amqp_url)
    async with connection, consuming_on_the_broker(runtime, build_router(runtime)):
        channel = await connection.channel()
        answers = await channel.declare_queue(exclusive=True)
        await answers.bind(EVENTS_EXCHANGE, routing_key=StatusesClosed.message_type())

        created = PipelineCreated(revision=1, pipeline=replica.pipeline)
        await publish_on_the_broker(runtime, envelope_of(created, account_id="a1"))
        held = await eventually(lambda: replica_of(runtime, "p-real"))

        close = CloseStatuses(retirement_id=retirement_id, pipeline_id="p-real", status_ids=["new"])
        await publish_on_the_broker(runtime, envelope_of(close, account_id="a1"))
        answer = await eventually(lambda: answers.get(fail=False))
        await answer.ack()

    assert held.revision == 1
    assert [s.id for s in held.pipeline.statuses] == [s.id for s in replica.pipeline.statuses]
    body = json.loads(answer.body)
    assert body["type"] == "ticket.statuses_closed"
    assert body["payload"]["retirement_id"] == retirement_id
    assert body["payload"]["status_ids"] == ["new"]
