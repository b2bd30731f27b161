"""A deleted pipeline at the channels service: the connections still on it (made while the
pipeline service's replica had not heard of them) move to the account's first remaining
pipeline, or are disconnected when none is left, each with its event; once only."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from ticketflow_channels.adapters.repository import COLLECTIONS, PIPELINES, ConnectionRepository
from ticketflow_channels.domain.connections import NewConnection
from ticketflow_channels.domain.errors import InvalidConnection
from ticketflow_channels.handlers.connections import ConnectChannel, connect_channel
from ticketflow_channels.handlers.pipelines import apply_pipeline_deleted
from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of, pipeline_snapshot
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    ChannelType,
    Envelope,
    PipelineCreated,
    PipelineDeleted,
    PipelineSnapshotEvent,
)

apply_pipeline_snapshot = apply_pipeline_snapshots(PIPELINES)


def created(pipeline_id: str, display_order: int) -> Envelope[PipelineSnapshotEvent]:
    snapshot = pipeline_snapshot(pipeline_id).model_copy(update={"display_order": display_order})
    return envelope_of(PipelineCreated(revision=1, pipeline=snapshot), account_id="a1")


def deleted(pipeline_id: str) -> Envelope[PipelineSnapshotEvent]:
    snapshot = pipeline_snapshot(pipeline_id, archived=True)
    return envelope_of(PipelineDeleted(revision=2, pipeline=snapshot), account_id="a1")


async def with_pipelines(uow: UnitOfWork, *orders: tuple[str, int]) -> None:
    for pipeline_id, display_order in orders:
        await deliver(apply_pipeline_snapshot, uow, created(pipeline_id, display_order))


async def connect(uow: UnitOfWork, pipeline_id: str, address: str, connection_id: str) -> None:
    new = NewConnection(ChannelType.EMAIL, address, pipeline_id)
    command = ConnectChannel(new, new_id=lambda: connection_id)
    await connect_channel(command, uow, MessageContext.for_request("a1"))


async def targets(uow: UnitOfWork) -> dict[str, tuple[str, bool, int]]:
    """Each connection's (pipeline, connected, revision)."""
    async with uow.read(MessageContext.for_request("a1")) as session:
        repository = ConnectionRepository(session)
        found = [await repository.get("a1", c) for c in ("c1", "c2", "c3")]
    return {c.id: (c.state.pipeline_id, c.connected, c.revision) for c in found if c is not None}


async def outbox(uow: UnitOfWork) -> list[dict[str, Any]]:
    assert isinstance(uow.store, MemoryStore)
    return [json.loads(e.message.body) for e in await uow.store.outbox_entries()]


async def test_connections_on_a_deleted_pipeline_move_to_the_first_remaining_one(
    uow: UnitOfWork, caplog: pytest.LogCaptureFixture
) -> None:
    await with_pipelines(uow, ("default", 0), ("billing", 1), ("support", 3), ("sales", 2))
    await connect(uow, "billing", "help@acme.test", "c1")
    await connect(uow, "default", "sales@acme.test", "c2")
    before = len(await outbox(uow))

    await deliver(apply_pipeline_deleted, uow, deleted("default"))

    assert await targets(uow) == {"c1": ("billing", True, 1), "c2": ("billing", True, 2)}
    [event] = (await outbox(uow))[before:]
    assert event["type"] == "channel_connection.updated"
    assert (event["payload"]["revision"], event["payload"]["connection"]["id"]) == (2, "c2")
    assert event["payload"]["connection"]["pipeline_id"] == "billing"
    assert "c2" in caplog.text
    assert "moved to pipeline billing" in caplog.text


async def test_connections_on_a_deleted_pipeline_are_disconnected_when_none_is_left(
    uow: UnitOfWork,
) -> None:
    await with_pipelines(uow, ("billing", 1))
    await connect(uow, "billing", "help@acme.test", "c1")
    before = len(await outbox(uow))

    await deliver(apply_pipeline_deleted, uow, deleted("billing"))

    assert await targets(uow) == {"c1": ("billing", False, 2)}
    [event] = (await outbox(uow))[before:]
    assert event["type"] == "channel_connection.disconnected"
    assert event["payload"]["revision"] == 2


async def test_a_redelivered_or_republished_deletion_changes_nothing_more(
    uow: UnitOfWork,
) -> None:
    await with_pipelines(uow, ("default", 0), ("billing", 1))
    await connect(uow, "billing", "help@acme.test", "c1")
    deletion = deleted("billing")
    await deliver(apply_pipeline_deleted, uow, deletion)
    after_first = await outbox(uow)

    with pytest.raises(DuplicateMessage):
        await deliver(apply_pipeline_deleted, uow, deletion)
    await deliver(apply_pipeline_deleted, uow, deleted("billing"))  # same revision, new id

    assert await targets(uow) == {"c1": ("default", True, 2)}
    assert await outbox(uow) == after_first


async def test_a_deleted_pipeline_takes_no_new_connection(uow: UnitOfWork) -> None:
    await with_pipelines(uow, ("default", 0), ("billing", 1))
    await deliver(apply_pipeline_deleted, uow, deleted("billing"))

    with pytest.raises(InvalidConnection, match="'billing' does not exist"):
        await connect(uow, "billing", "help@acme.test", "c1")


async def test_a_connection_racing_the_deletion_of_its_pipeline_never_stays_on_it() -> None:
    """On snapshot isolation (MongoDB's) both would pass on reads that miss each other; the
    target guard makes one run again: the connection is refused, or made and then moved."""
    store = MemoryStore(snapshot_isolation=True)
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "channels")
    await with_pipelines(uow, ("default", 0), ("billing", 1))

    with store.overlapping(2):
        results = await asyncio.gather(
            connect(uow, "billing", "help@acme.test", "c1"),
            deliver(apply_pipeline_deleted, uow, deleted("billing")),
            return_exceptions=True,
        )

    held = await targets(uow)
    if isinstance(results[0], InvalidConnection):
        assert held == {}
    else:
        assert results == [None, None]
        assert held == {"c1": ("default", True, 2)}
