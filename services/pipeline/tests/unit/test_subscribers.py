"""The pipeline service's subscribers on the in-memory test broker: the ticket service's
answers settle a pending retirement, connection events reach the channel replica, and poison
is parked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET, envelope_of, subscribers_under_test
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionEvent,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
    StatusesClosed,
    StatusesCloseRefused,
)
from ticketflow_pipeline.adapters.channel_repository import ChannelConnectionReplicas
from ticketflow_pipeline.adapters.repository import COLLECTIONS, PipelineRepository, RetirementLog
from ticketflow_pipeline.app import PUBLISHES
from ticketflow_pipeline.domain.channels import ChannelConnectionReplica
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.entrypoints.subscribers import (
    CHANNEL_CONNECTIONS,
    QUEUES,
    RETIREMENT_ANSWERS,
    build_router,
)
from ticketflow_pipeline.handlers.retirements import start_retirement
from ticketflow_pipeline.settings import PipelineSettings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STATUS_IDS = ["1", "2", "3", "4"]


def pipeline_service() -> ServiceRuntime:
    settings = PipelineSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)


def connection_event(
    kind: type[ChannelConnectionEvent], revision: int, *, pipeline_id: str = "default"
) -> ChannelConnectionEvent:
    snapshot = ChannelConnectionSnapshot(
        id="c1",
        type=ChannelType.EMAIL,
        address="c1@acme.test",
        pipeline_id=pipeline_id,
        connected=kind is not ChannelConnectionDisconnected,
        created_at=NOW,
        updated_at=NOW + timedelta(minutes=revision),
    )
    return kind(revision=revision, connection=snapshot)


async def pending_deletion(runtime: ServiceRuntime, retirement_id: str) -> None:
    """The default pipeline of account a1, its deletion waiting for the ticket service."""
    async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
        pipeline = Pipeline.default_support_pipeline("a1", NOW)
        retirement = pipeline.request_deletion(retirement_id, NOW)
        await PipelineRepository(session).save(pipeline)
        await start_retirement(session, pipeline, retirement)


async def retirement_state(
    runtime: ServiceRuntime, retirement_id: str
) -> tuple[dict[str, Any] | None, Pipeline | None]:
    async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
        entry = await RetirementLog(session).get("a1", retirement_id)
        pipeline = await PipelineRepository(session).get("a1", "default")
    return entry, pipeline


async def replica(runtime: ServiceRuntime) -> ChannelConnectionReplica | None:
    async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
        return await ChannelConnectionReplicas(session).get("a1", "c1")


async def test_statuses_closed_completes_the_pending_deletion_of_a_pipeline() -> None:
    runtime = pipeline_service()
    closed = StatusesClosed(
        retirement_id="r1", pipeline_id="default", status_ids=STATUS_IDS, moved_ticket_count=2
    )
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await pending_deletion(runtime, "r1")
        await subscribers.publish(RETIREMENT_ANSWERS, envelope_of(closed, account_id="a1"))
        entry, pipeline = await retirement_state(runtime, "r1")

    assert entry is not None
    assert (entry["outcome"], entry["moved_ticket_count"]) == ("completed", 2)
    assert pipeline is not None
    assert (pipeline.archived, pipeline.retirement) == (True, None)


async def test_statuses_close_refused_abandons_the_pending_deletion_of_a_pipeline() -> None:
    runtime = pipeline_service()
    refused = StatusesCloseRefused(
        retirement_id="r1", pipeline_id="default", status_ids=STATUS_IDS, ticket_count=3
    )
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await pending_deletion(runtime, "r1")
        await subscribers.publish(RETIREMENT_ANSWERS, envelope_of(refused, account_id="a1"))
        entry, pipeline = await retirement_state(runtime, "r1")

    assert entry is not None
    assert (entry["outcome"], entry["ticket_count"]) == ("refused", 3)
    assert pipeline is not None
    assert (pipeline.archived, pipeline.retirement) == (False, None)


@pytest.mark.parametrize(
    ("kind", "connected"),
    [
        (ChannelConnectionConnected, True),
        (ChannelConnectionUpdated, True),
        (ChannelConnectionDisconnected, False),
    ],
)
async def test_each_connection_event_reaches_the_channel_replica(
    kind: type[ChannelConnectionEvent], connected: bool
) -> None:
    runtime = pipeline_service()
    event = connection_event(kind, 2, pipeline_id="billing")
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(CHANNEL_CONNECTIONS, envelope_of(event, account_id="a1"))
        held = await replica(runtime)

    assert held is not None
    assert (held.revision, held.connection.pipeline_id) == (2, "billing")
    assert held.connection.connected is connected


async def test_poison_is_parked_and_a_later_connection_event_still_reaches_the_replica() -> None:
    runtime = pipeline_service()
    body = envelope_of(connection_event(ChannelConnectionConnected, 1)).model_dump(mode="json")
    del body["payload"]["connection"]
    invalid = json.dumps(body).encode()
    valid = connection_event(ChannelConnectionConnected, 1)
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(CHANNEL_CONNECTIONS, b"{not json")
        await subscribers.publish(CHANNEL_CONNECTIONS, invalid)
        await subscribers.publish(CHANNEL_CONNECTIONS, envelope_of(valid, account_id="a1"))
        parked = subscribers.parked[CHANNEL_CONNECTIONS.name]
        held = await replica(runtime)

    assert parked == [b"{not json", invalid]
    assert held is not None
    assert (held.revision, held.connection.connected) == (1, True)
