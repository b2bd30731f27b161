"""A replica takes a snapshot only when its revision is newer."""

from __future__ import annotations

import uuid

from ticketflow_chassis.replica import apply_if_newer
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.uow import MessageContext, UnitOfWork


async def test_only_a_newer_revision_replaces_the_held_snapshot() -> None:
    store = MemoryStore()
    await store.open([Collection("replicas")])
    uow = UnitOfWork(store, "demo")
    applied = []
    for revision, label in [(2, "two"), (1, "one"), (3, "three"), (3, "again"), (2, "late")]:
        async with uow.begin(MessageContext("a1", uuid.uuid4())) as session:
            applied.append(
                await apply_if_newer(session, "replicas", {"id": "p", "label": label}, revision)
            )

    async with store.transaction() as tx:
        held = await tx.get("replicas", "p")
    assert applied == [True, False, True, False, False]
    assert held is not None
    assert (held["label"], held["revision"]) == ("three", 3)
