"""Bulk-move starts racing on MongoDB's snapshot isolation (the in-memory store's model of
it): each start reads the source's active moves, then writes a job of its own, so only a
document every start out of that pipeline writes keeps two overlapping moves from both
running."""

from __future__ import annotations

import asyncio

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.moves import MoveRequest
from ticketflow_ticket.handlers import moves

from .builders import NOW
from .test_changes import replicate
from .test_moves_handlers import ADMIN, BILLING, SUPPORT, TO_BILLING, request, tickets_in

NEW_TO_BILLING = MoveRequest("support", "billing", "new", {"new": "inbox"})
DONE_TO_BILLING = MoveRequest("support", "billing", "done", {"done": "paid"})


async def ready(store: MemoryStore) -> UnitOfWork:
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=lambda: NOW)
    await replicate(uow, SUPPORT, BILLING)
    await tickets_in(uow, "new", 2)
    await tickets_in(uow, "done", 1)
    return uow


async def race(*requests: MoveRequest) -> list[str]:
    """Every start reads before any commits; the outcomes' type names, sorted."""
    store = MemoryStore(snapshot_isolation=True)
    uow = await ready(store)
    with store.overlapping(len(requests)):
        results = await asyncio.gather(
            *(moves.start_move(moves.StartMove(ADMIN, r), uow, request()) for r in requests),
            return_exceptions=True,
        )
    return sorted(type(r).__name__ for r in results)


async def test_of_two_concurrent_overlapping_moves_exactly_one_is_accepted() -> None:
    assert await race(TO_BILLING, NEW_TO_BILLING) == ["MoveInProgress", "Started"]


async def test_of_two_concurrent_equal_moves_exactly_one_is_accepted() -> None:
    assert await race(NEW_TO_BILLING, NEW_TO_BILLING) == ["MoveInProgress", "Started"]


async def test_two_concurrent_moves_of_different_statuses_are_both_accepted() -> None:
    """The loser of the guard's write race runs again and finds no overlap."""
    assert await race(NEW_TO_BILLING, DONE_TO_BILLING) == ["Started", "Started"]
