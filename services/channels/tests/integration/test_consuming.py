"""The channels service consuming on the real broker with its SQLite store: account and
pipeline events reach its replicas through their queues' bindings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow_channels.adapters.repository import (
    COLLECTIONS,
    AccountReplicas,
    pipeline_replica,
)
from ticketflow_channels.app import PUBLISHES
from ticketflow_channels.domain.replicas import AccountReplica, PipelineReplica
from ticketflow_channels.entrypoints.subscribers import QUEUES, build_router
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import (
    TEST_JWT_SECRET,
    consuming_on_the_broker,
    envelope_of,
    eventually,
    pipeline_snapshot,
    publish_on_the_broker,
)
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    AccountCreated,
    PipelineCreated,
    PipelineSnapshot,
    TicketState,
    Tier,
)

pytestmark = pytest.mark.rabbitmq

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def snapshot() -> PipelineSnapshot:
    return pipeline_snapshot("support", {"new": TicketState.OPEN, "done": TicketState.CLOSED})


async def test_account_and_pipeline_events_reach_the_replicas_in_sqlite(
    amqp_url: str, tmp_path: Path
) -> None:
    settings = ChannelsSettings(amqp_url=amqp_url, var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    account = AccountCreated(
        account_id="a1",
        name="Acme",
        tier=Tier.PROFESSIONAL,
        admin_user_id="u1",
        admin_email="ada@acme.test",
        created_at=NOW,
    )

    async def replicas() -> tuple[AccountReplica, PipelineReplica] | None:
        async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
            held_account = await AccountReplicas(session).get("a1")
            held_pipeline = await pipeline_replica(session, "a1", "support")
        return (held_account, held_pipeline) if held_account and held_pipeline else None

    async with consuming_on_the_broker(runtime, build_router(runtime)):
        await publish_on_the_broker(runtime, envelope_of(account, account_id="a1"))
        created = PipelineCreated(revision=1, pipeline=snapshot())
        await publish_on_the_broker(runtime, envelope_of(created, account_id="a1"))
        held_account, held_pipeline = await eventually(replicas)

    assert held_account.tier is Tier.PROFESSIONAL
    assert held_pipeline.accepts_tickets
