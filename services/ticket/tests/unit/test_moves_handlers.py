"""Bulk-move jobs on the in-memory store and on SQLite: a job moves every ticket batch by
batch with visible progress, resumes after a stop or a crash moving each ticket exactly once,
and a refused or repeated start writes nothing new."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import Document, DocumentStore, Transaction
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketState
from ticketflow_ticket.adapters.repository import COLLECTIONS, TicketRepository
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.move_jobs import JobState, MoveJob
from ticketflow_ticket.domain.moves import (
    IdempotencyKeyReused,
    InvalidMove,
    MoveInProgress,
    MoveNotFound,
    MoveRequest,
)
from ticketflow_ticket.entrypoints.workers import MoveRunner
from ticketflow_ticket.handlers import moves
from ticketflow_ticket.handlers.tickets import CreateTicket, GetTicket, create_ticket, get_ticket

from .builders import NOW, pipeline, placed, runnable_jobs
from .test_changes import replicate

ADMIN = Requester("boss", is_super_admin=True)
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED
SUPPORT = pipeline("support", {"new": (OPEN, ()), "waiting": (OPEN, ()), "done": (CLOSED, ())})
BILLING = pipeline("billing", {"inbox": (OPEN, ()), "paid": (CLOSED, ())})
TO_BILLING = MoveRequest("support", "billing", status_mapping={"new": "inbox", "done": "paid"})


def request(account_id: str = "a1") -> MessageContext:
    return MessageContext.for_request(account_id, None)


class PowerCut(Exception):
    """The process dies in the middle of a transaction (it rolls back)."""


class CuttingTransaction:
    """Delegates to a real transaction; the store's `cut_after`-th ticket write raises."""

    def __init__(self, inner: Transaction, store: CuttingStore):
        self._inner, self._store = inner, store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        if collection == "tickets" and expected_version is not None:
            self._store.ticket_writes += 1
            if self._store.ticket_writes == self._store.cut_after:
                raise PowerCut(f"power cut at ticket write {self._store.ticket_writes}")
        return await self._inner.put(collection, document, expected_version=expected_version)


class CuttingStore:
    """A real store whose `cut_after`-th write of an existing ticket fails once."""

    def __init__(self, inner: DocumentStore, cut_after: int):
        self._inner, self.cut_after, self.ticket_writes = inner, cut_after, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        @asynccontextmanager
        async def cutting() -> AsyncIterator[Transaction]:
            async with self._inner.transaction() as tx:
                yield CuttingTransaction(tx, self)  # type: ignore[misc]  # a duck-typed double

        return cutting()


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


def unit_of_work(store: DocumentStore | CuttingStore) -> UnitOfWork:
    return UnitOfWork(store, "ticket", clock=lambda: NOW)  # type: ignore[arg-type]  # the double


@pytest.fixture
async def uow(store: DocumentStore) -> UnitOfWork:
    uow = unit_of_work(store)
    await replicate(uow, SUPPORT, BILLING)
    return uow


async def tickets_in(uow: UnitOfWork, status_id: str, count: int) -> list[str]:
    made = []
    for _ in range(count):
        command = CreateTicket(ADMIN, str(uuid.uuid4().int >> 80), placed("support", status_id))
        made.append((await create_ticket(command, uow, request())).id)
    return made


async def start(
    uow: UnitOfWork, move: MoveRequest = TO_BILLING, key: str | None = None
) -> moves.Started:
    return await moves.start_move(moves.StartMove(ADMIN, move, key), uow, request())


async def job_of(uow: UnitOfWork, started: moves.Started) -> MoveJob:
    return await moves.get_move(moves.GetMove(ADMIN, started.job.id), uow, request())


def ref(started: moves.Started) -> moves.JobRef:
    job = started.job
    return moves.JobRef(job.account_id, job.id, job.correlation_id)


async def status_changes(uow: UnitOfWork) -> Counter[str]:
    """`ticket.status_changed` events in the outbox, per ticket."""
    entries = await uow.store.outbox_entries()
    return Counter(
        json.loads(e.message.body)["payload"]["ticket_id"]
        for e in entries
        if e.message.routing_key == "ticket.status_changed"
    )


async def where(uow: UnitOfWork, ticket_ids: list[str]) -> set[tuple[str, str]]:
    found = [await get_ticket(GetTicket(ADMIN, t), uow, request()) for t in ticket_ids]
    return {(t.pipeline_id, t.status_id) for t in found}


async def test_a_job_moves_every_ticket_to_its_mapped_status(uow: UnitOfWork) -> None:
    new, done = await tickets_in(uow, "new", 5), await tickets_in(uow, "done", 2)
    started = await start(uow)
    assert (started.job.state, started.job.total) == (JobState.PENDING, 7)

    assert await MoveRunner(uow, batch_size=2).run_pending()

    job = await job_of(uow, started)
    assert (job.state, job.moved, job.failed, job.total) == (JobState.COMPLETED, 7, 0, 7)
    assert (job.started_at, job.completed_at) == (NOW, NOW)
    assert await where(uow, new) == {("billing", "inbox")}
    assert await where(uow, done) == {("billing", "paid")}


async def test_starting_a_move_writes_the_job_and_nothing_else(uow: UnitOfWork) -> None:
    await tickets_in(uow, "new", 2)
    before = len(await uow.store.outbox_entries())

    started = await start(uow)

    assert len(await uow.store.outbox_entries()) == before
    assert [r.job_id for r in await runnable_jobs(uow)] == [started.job.id]


async def test_progress_is_visible_between_batches(uow: UnitOfWork) -> None:
    await tickets_in(uow, "new", 5)
    started = await start(uow)

    assert await moves.run_move_batch(
        moves.RunMoveBatch(started.job.id, 2), uow, ref(started).context()
    )

    job = await job_of(uow, started)
    assert (job.state, job.moved, job.total, job.started_at) == (JobState.RUNNING, 2, 5, NOW)
    assert job.completed_at is None


async def test_a_runner_stopped_between_batches_resumes_and_moves_each_ticket_once(
    uow: UnitOfWork,
) -> None:
    ticket_ids = await tickets_in(uow, "new", 7) + await tickets_in(uow, "done", 3)
    started = await start(uow)
    for _ in range(2):
        await moves.run_move_batch(
            moves.RunMoveBatch(started.job.id, 3), uow, ref(started).context()
        )

    assert await MoveRunner(uow, batch_size=3).run_pending()  # "after the restart"

    assert await status_changes(uow) == Counter(dict.fromkeys(ticket_ids, 1))
    assert (await job_of(uow, started)).moved == 10


async def test_a_batch_cut_short_rolls_back_and_the_restart_moves_each_ticket_once(
    store: DocumentStore,
) -> None:
    uow = unit_of_work(store)
    await replicate(uow, SUPPORT, BILLING)
    ticket_ids = await tickets_in(uow, "new", 8)
    started = await start(uow)
    crashing = unit_of_work(CuttingStore(store, cut_after=6))

    assert not await MoveRunner(crashing, batch_size=4).run_pending()  # 2nd batch cut short

    half = await job_of(uow, started)
    assert (half.state, half.moved, half.attempts) == (JobState.RUNNING, 4, 1)
    assert sum((await status_changes(uow)).values()) == 4
    assert await MoveRunner(uow, batch_size=4).run_pending()
    assert await status_changes(uow) == Counter(dict.fromkeys(ticket_ids, 1))
    done = await job_of(uow, started)
    assert (done.state, done.moved, done.attempts) == (JobState.COMPLETED, 8, 0)


async def test_a_job_that_keeps_failing_is_marked_failed_with_the_reason(
    store: DocumentStore,
) -> None:
    uow = unit_of_work(store)
    await replicate(uow, SUPPORT, BILLING)
    await tickets_in(uow, "new", 3)
    started = await start(uow)
    cutting = CuttingStore(store, cut_after=1)
    runner = MoveRunner(unit_of_work(cutting), max_attempts=2)

    for _ in range(2):
        cutting.ticket_writes = 0
        assert not await runner.run_pending()

    job = await job_of(uow, started)
    assert (job.state, job.moved) == (JobState.FAILED, 0)
    assert "PowerCut: power cut" in job.errors[-1].message
    assert await runnable_jobs(uow) == []


async def test_the_same_idempotency_key_answers_the_job_it_started(uow: UnitOfWork) -> None:
    await tickets_in(uow, "new", 1)
    first = await start(uow, key="k-1")

    again = await start(uow, key="k-1")

    assert (again.job.id, again.replayed, first.replayed) == (first.job.id, True, False)
    assert len(await runnable_jobs(uow)) == 1
    with pytest.raises(IdempotencyKeyReused) as reused:
        await start(uow, MoveRequest("support", "billing", default_status_id="paid"), "k-1")
    assert reused.value.errors[0].field == "Idempotency-Key"


async def test_a_second_move_out_of_the_same_tickets_waits_for_the_first(
    uow: UnitOfWork,
) -> None:
    await tickets_in(uow, "new", 1)
    first = await start(uow)

    with pytest.raises(MoveInProgress, match=first.job.id):
        await start(uow, MoveRequest("support", "billing", "new", {"new": "inbox"}))

    await MoveRunner(uow).run_pending()
    assert (await start(uow)).job.state is JobState.PENDING  # once the first completed


async def test_a_refused_move_writes_nothing(uow: UnitOfWork) -> None:
    await tickets_in(uow, "waiting", 1)

    with pytest.raises(InvalidMove) as refused:
        await start(uow)

    assert [e.field for e in refused.value.errors] == ["statusMapping.waiting"]
    assert await runnable_jobs(uow) == []


async def test_a_target_status_closed_to_tickets_is_refused_naming_it(uow: UnitOfWork) -> None:
    await tickets_in(uow, "done", 1)
    async with uow.begin(request()) as session:
        repository = TicketRepository(session)
        gate = await repository.gate("a1", "billing")
        gate.closed_status_ids = frozenset({"paid"})  # a retirement is deleting it
        await repository.save_gate(gate)

    with pytest.raises(InvalidMove) as refused:
        await start(uow)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("statusMapping.done", "closed_to_tickets")
    ]
    assert await runnable_jobs(uow) == []


async def test_another_accounts_pipelines_and_moves_do_not_exist(uow: UnitOfWork) -> None:
    await replicate(uow, pipeline("theirs", {"x": (OPEN, ())}, account_id="a2"))
    started = await start(uow)

    with pytest.raises(InvalidMove) as refused:
        await start(uow, MoveRequest("support", "theirs", default_status_id="x"))
    with pytest.raises(MoveNotFound):
        await moves.get_move(moves.GetMove(ADMIN, started.job.id), uow, request("a2"))

    assert [e.field for e in refused.value.errors] == ["to.pipelineId"]


async def test_a_started_runner_is_woken_by_a_new_job(uow: UnitOfWork) -> None:
    ticket_ids = await tickets_in(uow, "new", 3)
    runner = MoveRunner(uow, poll_seconds=60)
    runner.start()
    try:
        await asyncio.sleep(0.01)  # the first pass found nothing and waits for a minute
        started = await start(uow)
        runner.wake()
        await until(lambda: job_of(uow, started), lambda j: j.state is JobState.COMPLETED)
    finally:
        await runner.stop()

    assert await where(uow, ticket_ids) == {("billing", "inbox")}


async def until(
    read: Callable[[], Any], holds: Callable[[MoveJob], bool], timeout: float = 5.0
) -> None:
    async with asyncio.timeout(timeout):
        while not holds(await read()):
            await asyncio.sleep(0.01)
