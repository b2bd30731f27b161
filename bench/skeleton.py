"""Latency of the walking skeleton on a running suite: HTTP create -> notifier records it.

    make up                       # in one terminal (or: .venv/bin/ticketflow up)
    .venv/bin/python bench/skeleton.py [--tickets 200] [--concurrency 10]

Opens an account, sends the tickets through the ticket service's HTTP API, and
prints p50/p95/p99 of (notifier's recordedAt - moment the POST was sent), split into the
HTTP create itself and the event path (ticket committed -> notifier recorded), and the
throughput. All clocks are this machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_cli.jwt_secret import secret_for_signing

PIPELINE = os.environ.get("TICKETFLOW_PIPELINE_URL", "http://127.0.0.1:8001")
TICKET = os.environ.get("TICKETFLOW_TICKET_URL", "http://127.0.0.1:8002")
NOTIFIER = os.environ.get("TICKETFLOW_NOTIFIER_URL", "http://127.0.0.1:8004")


async def open_account(client: httpx.AsyncClient) -> str:
    secret = secret_for_signing(os.environ)  # as `ticketflow account create` finds it
    operator = Principal("platform", "bench", frozenset({Role.OPERATOR}), frozenset())
    token = TokenCodec(secret, "ticketflow").issue(operator, now=datetime.now(UTC))
    response = await client.post(
        f"{PIPELINE}/admin/v1/accounts",
        json={"name": "Bench", "tier": "enterprise", "admin_email": "bench@example.test"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return str(response.json()["token"])


@dataclass(frozen=True)
class Sent:
    ticket_id: str
    sent_at: datetime
    answered_at: datetime
    created_at: datetime


async def send(client: httpx.AsyncClient, token: str, n: int) -> Sent:
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
            created = response.json()
            return Sent(
                str(created["id"]),
                sent_at,
                datetime.now(UTC),
                datetime.fromisoformat(created["createdAt"].replace("Z", "+00:00")),
            )
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


def report(label: str, durations: list[timedelta]) -> None:
    ms = [d.total_seconds() * 1000 for d in durations]
    print(
        f"{label} (ms): p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  "
        f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}"
    )


async def run(tickets: int, concurrency: int) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        token = await open_account(client)
        await send(client, token, -1)  # wait for the pipeline to replicate; not measured
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> Sent:
            async with gate:
                return await send(client, token, n)

        started = time.perf_counter()
        sent = await asyncio.gather(*(one(n) for n in range(tickets)))
        recorded = await asyncio.gather(*(recorded_at(client, token, s.ticket_id) for s in sent))
        last = max(recorded)
        elapsed = time.perf_counter() - started
    first_sent = min(s.sent_at for s in sent)
    print(f"tickets: {tickets}, concurrency: {concurrency}")
    report(
        "create sent -> notifier recorded",
        [r - s.sent_at for s, r in zip(sent, recorded, strict=True)],
    )
    report("  HTTP create (sent -> 201)", [s.answered_at - s.sent_at for s in sent])
    report(
        "  event path (committed -> recorded)",
        [r - s.created_at for s, r in zip(sent, recorded, strict=True)],
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
