"""Throughput and memory of a bulk move, in process, on a temporary SQLite store (no HTTP, no
broker: the moves' events stay in the outbox, as they would until the relay publishes them;
their timeline entries are written in the moves' units of work, as in the service).

    .venv/bin/python bench/bulk_move.py [--tickets 100000] [--batch-size 500] [--no-tracemalloc]

Seeds the tickets into one status of a pipeline, starts a move to another pipeline through the
ticket service's handler (the request's own work: validation, counts, the job document), then
runs the job with the service's runner, batch by batch, and prints tickets/s and the peak of
Python memory during the run (tracemalloc, which slows Python down; --no-tracemalloc for the
plain rate).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import deliver, envelope_of, pipeline_snapshot
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import (
    PipelineCreated,
    PipelineSnapshot,
    TicketState,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS, PIPELINES, TicketRepository
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.moves import MoveRequest
from ticketflow_ticket.entrypoints.workers import MoveRunner
from ticketflow_ticket.handlers import moves
from ticketflow_ticket.handlers.timeline import project_own_event

ACCOUNT = "bench"
ADMIN = Requester("bench", is_super_admin=True)
SEED_BATCH = 2_000
apply_pipeline_snapshot = apply_pipeline_snapshots(PIPELINES)


async def replicate(uow: UnitOfWork, pipeline: PipelineSnapshot) -> None:
    created = PipelineCreated(revision=1, pipeline=pipeline)
    await deliver(apply_pipeline_snapshot, uow, envelope_of(created, account_id=ACCOUNT))


async def seed(uow: UnitOfWork, count: int, statuses: tuple[str, ...] = ("new",)) -> None:
    """`count` tickets in pipeline support, in `statuses` in turn, many per transaction (a
    seed, not what is measured)."""
    context = MessageContext.for_request(ACCOUNT)
    made = 0
    while made < count:
        async with uow.begin(context) as session:
            repository = TicketRepository(session)
            pipeline = await repository.pipeline(ACCOUNT, "support")
            gate = await repository.gate(ACCOUNT, "support")
            for _ in range(min(SEED_BATCH, count - made)):
                ticket = Ticket.create(
                    ticket_id=str(uuid.uuid4().int >> 80),
                    account_id=ACCOUNT,
                    pipeline=pipeline,
                    gate=gate,
                    pipeline_id="support",
                    status_id=statuses[made % len(statuses)],
                    values={"subject": f"ticket {made}"},
                    definitions={},
                    requester=ADMIN,
                    now=session.now,
                )
                ticket.events.clear()  # the seed publishes nothing
                await repository.add(ticket)
                made += 1
            await repository.save_gate(gate)


async def bench(tickets: int, batch_size: int, trace: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = SqliteStore(Path(directory) / "ticket.sqlite3")
        await store.open(COLLECTIONS)
        try:
            uow = UnitOfWork(store, "ticket")
            uow.project_with(project_own_event)  # as the service: timeline entries in the unit
            await replicate(uow, pipeline_snapshot("support", {"new": TicketState.OPEN}))
            await replicate(
                uow,
                pipeline_snapshot(
                    "billing", {"inbox": TicketState.OPEN, "paid": TicketState.CLOSED}
                ),
            )
            await store.remove_from_outbox(
                [e.message.message_id for e in await store.outbox_entries()]
            )
            began = time.perf_counter()
            await seed(uow, tickets)
            print(f"seeded {tickets:,} tickets in {time.perf_counter() - began:.1f} s")

            if trace:
                tracemalloc.start()
            began = time.perf_counter()
            request = MoveRequest("support", "billing", status_mapping={"new": "inbox"})
            started = await moves.start_move(
                moves.StartMove(ADMIN, request), uow, MessageContext.for_request(ACCOUNT)
            )
            accepted = time.perf_counter() - began
            await MoveRunner(uow, batch_size=batch_size).run_pending()
            elapsed = time.perf_counter() - began
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            tracemalloc.stop()

            job = await moves.get_move(
                moves.GetMove(ADMIN, started.job.id), uow, MessageContext.for_request(ACCOUNT)
            )
            assert (job.state.value, job.moved) == ("COMPLETED", tickets), (job.state, job.moved)
            print(f"start request (validate, count, write the job): {accepted * 1000:.0f} ms")
            print(
                f"moved {job.moved:,} tickets in {elapsed:.1f} s: "
                f"{job.moved / elapsed:,.0f} tickets/s"
                f" (batches of {batch_size}{', under tracemalloc' if trace else ''})"
            )
            if peak is not None:
                print(f"peak traced Python memory during the move: {peak / 2**20:.1f} MiB")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=moves.BATCH_SIZE)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()
    asyncio.run(bench(args.tickets, args.batch_size, not args.no_tracemalloc))


if __name__ == "__main__":
    main()
