"""The notifier's pipeline replica converges whatever the order and duplication of snapshots."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    ActionKind,
    CustomerTemplate,
    Envelope,
    PipelineSnapshot,
    PipelineUpdated,
    StatusAction,
    StatusSnapshot,
    TicketState,
)
from ticketflow_notifier.adapters.repository import COLLECTIONS, PIPELINES, pipeline_replica

apply_pipeline_snapshot = apply_pipeline_snapshots(PIPELINES)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def snapshot(revision: int) -> Envelope[PipelineUpdated]:
    action = StatusAction(
        id=f"a{revision}", kind=ActionKind.CUSTOMER_EMAIL, template=CustomerTemplate.TICKET_CLOSED
    )
    closed = StatusSnapshot(
        id="4",
        label="Closed",
        display_order=0,
        ticket_state=TicketState.CLOSED,
        created_at=NOW,
        updated_at=NOW,
        actions=[action],
    )
    payload = PipelineUpdated(
        revision=revision,
        pipeline=PipelineSnapshot(
            id="default",
            label=f"v{revision}",
            display_order=0,
            statuses=[closed],
            created_at=NOW,
            updated_at=NOW,
        ),
    )
    return envelope_of(payload, account_id="a1", occurred_at=NOW, producer="pipeline")


async def test_the_replica_holds_the_newest_snapshot_whatever_the_order() -> None:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "notifier")
    messages = [snapshot(2), snapshot(3), snapshot(1)]
    for message in messages:
        await deliver(apply_pipeline_snapshot, uow, message)
    with pytest.raises(DuplicateMessage):
        await deliver(apply_pipeline_snapshot, uow, messages[0])

    async with uow.begin(MessageContext("a1", uuid.uuid4())) as session:
        replica = await pipeline_replica(session, "a1", "default")
    assert replica is not None
    assert replica.pipeline.label == "v3"
    assert [a.id for a in replica.actions_on_entering("4")] == ["a3"]
    assert replica.actions_on_entering("9") == []
