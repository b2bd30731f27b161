"""The pipeline service consuming on the real broker with its SQLite store: the channels
service's connection events reach its read-only replica through the queue's binding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
)
from ticketflow_pipeline.adapters.channel_repository import ChannelConnectionReplicas
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.app import PUBLISHES
from ticketflow_pipeline.domain.channels import ChannelConnectionReplica
from ticketflow_pipeline.entrypoints.subscribers import QUEUES, build_router
from ticketflow_pipeline.settings import PipelineSettings

pytestmark = pytest.mark.rabbitmq

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def connection(pipeline_id: str) -> ChannelConnectionSnapshot:
    return ChannelConnectionSnapshot(
        id="c1",
        type=ChannelType.EMAIL,
        address="help@acme.test",
        pipeline_id=pipeline_id,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_connection_events_reach_the_channel_replica_in_revision_order(
    amqp_url: str, tmp_path: Path
) -> None:
    settings = PipelineSettings(amqp_url=amqp_url, var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)

    async def replica_at(revision: int) -> ChannelConnectionReplica | None:
        async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
            held = await ChannelConnectionReplicas(session).get("a1", "c1")
        return held if held is not None and held.revision == revision else None

    async with consuming_on_the_broker(runtime, build_router(runtime)):
        connected = ChannelConnectionConnected(revision=1, connection=connection("default"))
        await publish_on_the_broker(runtime, envelope_of(connected, account_id="a1"))
        await eventually(lambda: replica_at(1))
        updated = ChannelConnectionUpdated(revision=2, connection=connection("billing"))
        await publish_on_the_broker(runtime, envelope_of(updated, account_id="a1"))
        held = await eventually(lambda: replica_at(2))

    assert held.connection.pipeline_id == "billing"
