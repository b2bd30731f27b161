"""The notifier's pipeline replica converges whatever the order and duplication of snapshots."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.store.memory import MemoryStore
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
from ticketflow_notifier.adapters.repository import COLLECTIONS, PipelineReplicas
from ticketflow_notifier.handlers.pipelines import apply_pipeline_snapshot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def snapshot(revision: int) -> Received[PipelineUpdated]:
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
    envelope = Envelope(
        message_id=uuid.uuid4(),
        type=payload.message_type(),
        version=1,
        occurred_at=NOW,
        account_id="a1",
        correlation_id=uuid.uuid4(),
        producer="pipeline",
        payload=payload.model_dump(mode="json"),
    )
    return Received(
        envelope, payload, MessageContext.caused_by(envelope, f"q:{envelope.message_id}")
    )


async def test_the_replica_holds_the_newest_snapshot_whatever_the_order() -> None:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "notifier")
    messages = [snapshot(2), snapshot(3), snapshot(1)]
    for message in messages:
        await apply_pipeline_snapshot(uow, message)
    with pytest.raises(DuplicateMessage):
        await apply_pipeline_snapshot(uow, messages[0])

    async with uow.begin(MessageContext("a1", uuid.uuid4())) as session:
        replica = await PipelineReplicas(session).get("a1", "default")
    assert replica is not None
    assert replica.pipeline.label == "v3"
    assert [a.id for a in replica.actions_on_entering("4")] == ["a3"]
    assert replica.actions_on_entering("9") == []
