"""The channels service's subscribers on the in-memory test broker: each message type reaches
its handler, anything else is parked or ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ticketflow_channels.adapters.repository import (
    COLLECTIONS,
    AccountReplicas,
    ConnectionRepository,
    pipeline_replica,
)
from ticketflow_channels.app import PUBLISHES
from ticketflow_channels.domain.connections import NewConnection
from ticketflow_channels.domain.replicas import AccountReplica
from ticketflow_channels.entrypoints.subscribers import (
    ACCOUNT_EVENTS,
    PIPELINE_SNAPSHOTS,
    QUEUES,
    build_router,
)
from ticketflow_channels.handlers.connections import ConnectChannel, connect_channel
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import (
    TEST_JWT_SECRET,
    envelope_of,
    pipeline_lifecycle,
    pipeline_snapshot,
    subscribers_under_test,
)
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    AccountCreated,
    ChannelType,
    PipelineCreated,
    Tier,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def channels() -> ServiceRuntime:
    settings = ChannelsSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)


def account_created(account_id: str = "a1", name: str = "Acme") -> AccountCreated:
    return AccountCreated(
        account_id=account_id,
        name=name,
        tier=Tier.ENTERPRISE,
        admin_user_id="u1",
        admin_email="ada@acme.test",
        created_at=NOW,
    )


async def account(runtime: ServiceRuntime, account_id: str) -> AccountReplica | None:
    async with runtime.uow.begin(MessageContext.for_request(account_id)) as session:
        return await AccountReplicas(session).get(account_id)


async def test_a_created_account_is_kept_in_the_account_replica() -> None:
    runtime = channels()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(ACCOUNT_EVENTS, envelope_of(account_created(), account_id="a1"))
        kept = await account(runtime, "a1")

    assert kept == AccountReplica("a1", "Acme", Tier.ENTERPRISE)


async def test_created_updated_and_deleted_pipelines_each_reach_the_replica() -> None:
    runtime = channels()
    held = []
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        for event in pipeline_lifecycle():
            await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(event, account_id="a1"))
            async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
                replica = await pipeline_replica(session, "a1", "default")
            assert replica is not None
            held.append((replica.revision, replica.pipeline.label, replica.accepts_tickets))

    assert held == [(1, "v1", True), (2, "v2", True), (3, "v2", False)]


async def test_a_deleted_pipeline_moves_the_channels_still_on_it() -> None:
    runtime = channels()
    other = PipelineCreated(revision=1, pipeline=pipeline_snapshot("support"))
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        created, updated, deleted = pipeline_lifecycle()
        for event in (created, updated, other):
            await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(event, account_id="a1"))
        new = NewConnection(ChannelType.EMAIL, "help@acme.test", "default")
        context = MessageContext.for_request("a1")
        await connect_channel(ConnectChannel(new, new_id=lambda: "c1"), runtime.uow, context)
        await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(deleted, account_id="a1"))
        async with runtime.uow.read(context) as session:
            moved = await ConnectionRepository(session).get("a1", "c1")

    assert moved is not None
    assert (moved.state.pipeline_id, moved.revision) == ("support", 2)


async def test_poison_is_parked_and_a_later_account_event_still_reaches_the_replica() -> None:
    runtime = channels()
    nameless = envelope_of(account_created(account_id="a2"), account_id="a2")
    body = nameless.model_dump(mode="json")
    del body["payload"]["name"]
    invalid = json.dumps(body).encode()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(ACCOUNT_EVENTS, b"{not json")
        await subscribers.publish(ACCOUNT_EVENTS, invalid)
        await subscribers.publish(ACCOUNT_EVENTS, envelope_of(account_created(), account_id="a1"))
        parked = subscribers.parked[ACCOUNT_EVENTS.name]
        kept = await account(runtime, "a1")
        missing = await account(runtime, "a2")

    assert parked == [b"{not json", invalid]
    assert kept == AccountReplica("a1", "Acme", Tier.ENTERPRISE)
    assert missing is None


async def test_a_type_the_account_queue_has_no_subscriber_for_is_ignored() -> None:
    runtime = channels()
    unknown = pipeline_lifecycle()[0]  # not an account event
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(ACCOUNT_EVENTS, envelope_of(unknown, account_id="a1"))
        parked = subscribers.parked[ACCOUNT_EVENTS.name]

    assert parked == []
