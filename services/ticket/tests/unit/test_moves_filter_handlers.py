"""Filtered bulk moves on the in-memory store and on SQLite: only the tickets the filter
matches move, the others count as skipped, and a job resumed after a crash applies the filter
it was stored with, moving each matching ticket once."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import DocumentStore
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.move_jobs import JobState
from ticketflow_ticket.domain.moves import IdempotencyKeyReused, MoveRequest, parse_move_filter
from ticketflow_ticket.entrypoints.workers import MoveRunner
from ticketflow_ticket.handlers import moves
from ticketflow_ticket.handlers.tickets import CreateTicket, create_ticket

from .builders import placed
from .test_changes import replicate
from .test_moves_handlers import (
    ADMIN,
    BILLING,
    SUPPORT,
    CuttingStore,
    job_of,
    ref,
    request,
    start,
    status_changes,
    unit_of_work,
    where,
)

HIGH = {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}
OPEN = {"propertyName": "hs_is_closed", "operator": "EQ", "value": "false"}
HIGH_ONLY = parse_move_filter({"filterGroups": [{"filters": [HIGH]}]})
MOVE_HIGH = MoveRequest(
    "support",
    "billing",
    status_mapping={"new": "inbox", "done": "paid"},
    filter_groups=HIGH_ONLY,
)
# Ids rising in creation order (fixed width), so that the walk's batches are predictable.
_IDS = itertools.count(100_000_000_000_000)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    opened: DocumentStore = (
        MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "ticket.sqlite3")
    )
    await opened.open(COLLECTIONS)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def uow(store: DocumentStore) -> UnitOfWork:
    uow = unit_of_work(store)
    await replicate(uow, SUPPORT, BILLING)
    return uow


async def tickets_of(uow: UnitOfWork, status_id: str, priorities: list[str]) -> list[str]:
    made = []
    for priority in priorities:
        properties = placed("support", status_id, {"hs_ticket_priority": priority})
        command = CreateTicket(ADMIN, str(next(_IDS)), properties)
        made.append((await create_ticket(command, uow, request())).id)
    return made


async def test_a_filtered_job_moves_only_the_matching_tickets_and_counts_the_rest_skipped(
    uow: UnitOfWork,
) -> None:
    high = await tickets_of(uow, "new", ["HIGH", "HIGH"]) + await tickets_of(uow, "done", ["HIGH"])
    low = await tickets_of(uow, "new", ["LOW", "MEDIUM"]) + await tickets_of(uow, "done", ["LOW"])
    started = await start(uow, MOVE_HIGH)
    assert started.job.total == 6  # the source's count: the filter is applied while walking

    assert await MoveRunner(uow, batch_size=2).run_pending()

    job = await job_of(uow, started)
    assert (job.state, job.moved, job.skipped, job.failed, job.total) == (
        JobState.COMPLETED,
        3,
        3,
        0,
        6,
    )
    assert job.request.filter_groups == HIGH_ONLY  # stored with the job
    assert await where(uow, high) == {("billing", "inbox"), ("billing", "paid")}
    assert await where(uow, low) == {("support", "new"), ("support", "done")}


async def test_a_filtered_job_cut_short_resumes_with_its_filter_and_moves_each_ticket_once(
    store: DocumentStore,
) -> None:
    uow = unit_of_work(store)
    await replicate(uow, SUPPORT, BILLING)
    made = await tickets_of(uow, "new", ["HIGH", "LOW"] * 5)
    high = made[::2]
    started = await start(uow, MOVE_HIGH)
    crashing = unit_of_work(CuttingStore(store, cut_after=3))

    # Batches of 4 (in id order) hold 2 HIGH each: the second batch's first write is cut.
    assert not await MoveRunner(crashing, batch_size=4).run_pending()

    half = await job_of(uow, started)
    assert (half.state, half.moved, half.skipped, half.attempts) == (JobState.RUNNING, 2, 2, 1)
    assert await MoveRunner(uow, batch_size=4).run_pending()  # "after the restart"
    assert await status_changes(uow) == Counter(dict.fromkeys(high, 1))
    done = await job_of(uow, started)
    assert (done.state, done.moved, done.skipped, done.total) == (JobState.COMPLETED, 5, 5, 10)
    assert await where(uow, [t for t in made if t not in high]) == {("support", "new")}


async def test_a_job_stopped_between_batches_resumes_with_the_same_filter(
    uow: UnitOfWork,
) -> None:
    made = await tickets_of(uow, "new", ["LOW", "HIGH", "URGENT", "HIGH", "LOW", "HIGH"])
    started = await start(uow, MOVE_HIGH)
    assert await moves.run_move_batch(
        moves.RunMoveBatch(started.job.id, 3), uow, ref(started).context()
    )

    assert await MoveRunner(uow, batch_size=3).run_pending()  # a new runner reads the job

    job = await job_of(uow, started)
    assert (job.moved, job.skipped) == (3, 3)
    assert set(await status_changes(uow)) == {made[1], made[3], made[5]}


async def test_the_same_idempotency_key_with_another_filter_is_refused(uow: UnitOfWork) -> None:
    await tickets_of(uow, "new", ["HIGH"])
    first = await start(uow, MOVE_HIGH, key="k-1")
    other = parse_move_filter({"filterGroups": [{"filters": [HIGH, OPEN]}]})

    assert (await start(uow, MOVE_HIGH, key="k-1")).job.id == first.job.id
    with pytest.raises(IdempotencyKeyReused):
        await start(
            uow,
            MoveRequest(
                "support", "billing", status_mapping=MOVE_HIGH.status_mapping, filter_groups=other
            ),
            key="k-1",
        )
