"""Latency of the walking skeleton on a running suite: HTTP create -> notifier records it.

    make up                       # in one terminal (or: .venv/bin/ticketflow up)
    .venv/bin/python bench/skeleton.py [--tickets 200] [--concurrency 10]

Opens an account, sends the tickets through the ticket service's HTTP API, and
prints p50/p95/p99 of (notifier's recordedAt - moment the POST was sent) and the
throughput. Both clocks are this machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, datetime

import httpx

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.settings import DEV_JWT_SECRET

PIPELINE = os.environ.get("TICKETFLOW_PIPELINE_URL", "http://127.0.0.1:8001")
TICKET = os.environ.get("TICKETFLOW_TICKET_URL", "http://127.0.0.1:8002")
NOTIFIER = os.environ.get("TICKETFLOW_NOTIFIER_URL", "http://127.0.0.1:8004")


async def open_account(client: httpx.AsyncClient) -> str:
    secret = os.environ.get("TICKETFLOW_JWT_SECRET", DEV_JWT_SECRET)
    operator = Principal("platform", "bench", frozenset({Role.OPERATOR}), frozenset())
    token = TokenCodec(secret, "ticketflow").issue(operator, now=datetime.now(UTC))
    response = await client.post(
        f"{PIPELINE}/admin/v1/accounts",
        json={"name": "Bench", "tier": "enterprise", "admin_email": "bench@example.test"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return str(response.json()["token"])


async def send(client: httpx.AsyncClient, token: str, n: int) -> tuple[str, datetime]:
    body = {
        "properties": {"subject": f"bench {n}", "hs_pipeline": "default", "hs_pipeline_stage": "1"}
    }
    while True:
        sent_at = datetime.now(UTC)
        response = await client.post(
            f"{TICKET}/crm/v3/objects/tickets",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 201:
            return str(response.json()["id"]), sent_at
        if response.status_code != 400:  # 400 only while the new pipeline replicates
            response.raise_for_status()
        await asyncio.sleep(0.05)


async def recorded_at(client: httpx.AsyncClient, token: str, ticket_id: str) -> datetime:
    while True:
        response = await client.get(
            f"{NOTIFIER}/notifier/v1/tickets/{ticket_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 200:
            return datetime.fromisoformat(response.json()["recordedAt"])
        await asyncio.sleep(0.02)


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


async def run(tickets: int, concurrency: int) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        token = await open_account(client)
        await send(client, token, -1)  # wait for the pipeline to replicate; not measured
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> tuple[str, datetime]:
            async with gate:
                return await send(client, token, n)

        started = time.perf_counter()
        sent = await asyncio.gather(*(one(n) for n in range(tickets)))
        recorded = await asyncio.gather(*(recorded_at(client, token, tid) for tid, _ in sent))
        last = max(recorded)
        elapsed = time.perf_counter() - started
    latencies = [(r - s).total_seconds() * 1000 for (_, s), r in zip(sent, recorded, strict=True)]
    first_sent = min(s for _, s in sent)
    print(f"tickets: {tickets}, concurrency: {concurrency}")
    print(
        "create -> notifier recorded (ms): "
        f"p50 {percentile(latencies, 50):.1f}  p95 {percentile(latencies, 95):.1f}  "
        f"p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}"
    )
    span = (last - first_sent).total_seconds()
    print(
        f"throughput: {tickets / span:.1f} tickets/s end to end ({span:.2f} s); "
        f"wall {elapsed:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.tickets, args.concurrency))


if __name__ == "__main__":
    main()
