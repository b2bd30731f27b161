"""The ticket service over HTTP on a store of many tickets: read, status-change and search
latencies, and the service's peak memory.

    .venv/bin/python bench/million.py [--tickets 1000000] [--dir /tmp/ticketflow-million]

Step 1 (skipped when done): seeds --tickets tickets of one account into `<dir>/ticket.sqlite3`
through the ticket service's own aggregate and repository (bench/bulk_move.py's seed: pipeline
support, statuses new/waiting/done in turn), in resumable chunks, so a stopped seeding goes on
where it stopped and the next run reuses the file (delete the dir to start again; each
ticket count gets its own file). Step 2: starts `ticketflow serve ticket` on that store (port
18102, a throw-away RabbitMQ virtual host; stopped at the end), then measures over HTTP:
GET by id at concurrency 1, PATCH to another status and POST /search by pipeline+status at
concurrency 10, each p50/p95/p99, and the service process's peak RSS (VmHWM). Issue 9's
targets: GET p99 < 10 ms (c1), PATCH and search p99 < 50 ms (c10), RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path
from typing import Any

import aiohttp
from bulk_move import ACCOUNT, replicate, seed
from measure import cpu_line, cpu_now, latency_line, peak_rss_mib, scratch_vhost
from suite import BIN, started

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.store.port import Eq, Query
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import pipeline_snapshot
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS, TICKETS

STATUSES = ("new", "waiting", "done")
CHUNK = 50_000  # tickets per resumable step of the seeding
PORT = 18102


async def count_tickets(uow: UnitOfWork) -> int:
    async with uow.begin(MessageContext.for_request(ACCOUNT)) as session:
        return await session.count(TICKETS, (Eq("account_id", ACCOUNT),))


async def seeded(path: Path, tickets: int) -> dict[str, str]:
    """Seeds `path` up to `tickets` tickets (what is there already counts); returns some
    tickets' ids with their status now (a run's PATCHes each change a status, also when an
    earlier run on the same store moved the same tickets)."""
    store = SqliteStore(path)
    await store.open(COLLECTIONS)
    try:
        uow = UnitOfWork(store, "ticket")
        have = await count_tickets(uow)
        if have == 0:
            await replicate(uow, pipeline_snapshot("support"))
            await store.remove_from_outbox(
                [e.message.message_id for e in await store.outbox_entries()]
            )
        began = time.perf_counter()
        if have < tickets:
            print(f"seeding {tickets - have:,} tickets into {path} ({have:,} there)", flush=True)
        while have < tickets:
            step = min(CHUNK, tickets - have)
            await seed(uow, step, STATUSES)
            have += step
            rate = have / (time.perf_counter() - began)
            print(f"  {have:,} tickets ({rate:,.0f}/s overall)", flush=True)
        async with uow.begin(MessageContext.for_request(ACCOUNT)) as session:
            page = await session.find(TICKETS, Query((Eq("account_id", ACCOUNT),), limit=5000))
        return {str(document["id"]): str(document["status_id"]) for document in page.items}
    finally:
        await store.close()


async def latencies(
    concurrency: int, requests: int, call: Callable[[int], Awaitable[int]]
) -> list[float]:
    """`requests` calls (each answering its HTTP status), `concurrency` in flight; each
    must answer 2xx; ms each."""
    gate = asyncio.Semaphore(concurrency)
    taken: list[float] = []

    async def one(n: int) -> None:
        async with gate:
            began = time.perf_counter()
            status = await call(n)
            taken.append((time.perf_counter() - began) * 1000)
            if status >= 300:
                raise RuntimeError(f"request {n} answered {status}")

    await asyncio.gather(*(one(n) for n in range(requests)))
    return taken


async def measure(
    base: str, secret: str, statuses: dict[str, str], requests: int, pid: int
) -> None:
    ids = list(statuses)
    if requests > len(ids):  # a ticket PATCHed twice would be asked for the status it has
        raise SystemExit(f"--requests is at most {len(ids)}")
    admin = Principal(ACCOUNT, "bench", frozenset({Role.SUPER_ADMIN}), frozenset())
    token = TokenCodec(secret, "ticketflow").issue(admin, now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    tickets = f"{base}/crm/v3/objects/tickets"
    # aiohttp: about a third of httpx's CPU per request, on the 2 cores the service uses too.
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=12),
        timeout=aiohttp.ClientTimeout(total=30),
        headers=headers,
    ) as client:

        async def status_of(request: Any) -> int:
            async with request as response:
                await response.read()
                return int(response.status)

        def get(n: int) -> Awaitable[int]:
            return status_of(client.get(f"{tickets}/{ids[n % len(ids)]}"))

        def patch(n: int) -> Awaitable[int]:
            # Distinct tickets from the GETs' start, each to the status after its own.
            ticket_id = ids[-1 - n % len(ids)]
            status = STATUSES[(STATUSES.index(statuses[ticket_id]) + 1) % len(STATUSES)]
            return status_of(
                client.patch(
                    f"{tickets}/{ticket_id}", json={"properties": {"hs_pipeline_stage": status}}
                )
            )

        searched = cycle(STATUSES)

        def search(_n: int) -> Awaitable[int]:
            body: dict[str, Any] = {
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": "hs_pipeline", "operator": "EQ", "value": "support"},
                            {
                                "propertyName": "hs_pipeline_stage",
                                "operator": "EQ",
                                "value": next(searched),
                            },
                        ]
                    }
                ],
                "limit": 10,
            }
            return status_of(client.post(f"{tickets}/search", json=body))

        await latencies(1, 50, get)  # warm-up, not counted
        phases = (
            ("GET by id, c1", 1, requests, get),
            ("PATCH status, c10", 10, requests, patch),
            ("search pipeline+status, c10", 10, max(requests // 4, 50), search),
        )
        for label, concurrency, count, call in phases:
            began, cpu_before = time.perf_counter(), cpu_now({"ticket": pid})
            taken = await latencies(concurrency, count, call)
            rate = count / (time.perf_counter() - began)
            print(f"{latency_line(label, taken)}  ({rate:,.0f} req/s)", flush=True)
            print(cpu_line(cpu_before, cpu_now({"ticket": pid}), count, "request"), flush=True)


def size_mib(path: Path) -> float:
    """The SQLite file with its -wal and -shm."""
    return sum(f.stat().st_size for f in path.parent.glob(f"{path.name}*")) / 2**20


async def bench(tickets: int, directory: Path, requests: int) -> None:
    path = directory / f"ticket-{tickets}.sqlite3"
    began = time.perf_counter()
    statuses = await seeded(path, tickets)
    size = size_mib(path)
    print(f"store: {tickets:,} tickets, {size:,.0f} MiB ({time.perf_counter() - began:.1f} s)")
    secret = secrets.token_urlsafe(48)
    with scratch_vhost("bench-million") as amqp_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TICKET_")},
            "TICKET_AMQP_URL": amqp_url,
            "TICKET_STORE_URL": f"sqlite:///{path}",
            "TICKET_VAR_DIR": str(directory),
            "TICKET_HTTP_PORT": str(PORT),
            "TICKET_JWT_SECRET": secret,
        }
        base = f"http://127.0.0.1:{PORT}"
        argv = [str(BIN / "ticketflow"), "serve", "ticket"]
        log = directory / "ticket-service.log"
        async with started(argv, env, {"ticket": base}, log) as service:
            print(f"service up, RSS peak at start {peak_rss_mib(service.process.pid):.0f} MiB")
            await measure(base, secret, statuses, requests, service.process.pid)
            print(f"ticket service peak RSS: {peak_rss_mib(service.process.pid):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ticketflow-million"))
    parser.add_argument("--requests", type=int, default=1000, help="per phase (search: /4)")
    args = parser.parse_args()
    print(f"million: python {sys.version.split()[0]}", flush=True)
    directory = args.dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    asyncio.run(bench(args.tickets, directory, args.requests))


if __name__ == "__main__":
    main()
