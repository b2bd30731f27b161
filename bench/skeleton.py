"""Throughput and latency of the walking skeleton: HTTP create -> notifier records it.

    .venv/bin/python bench/skeleton.py --start [--tickets 1000] [--concurrency 1 10]

With --start it runs its own suite: `ticketflow up` in a temp dir (TICKETFLOW_VAR_DIR), on a
fresh RabbitMQ virtual host, on ports 18001-18004 (`--port-base`), stopped and deleted at the
end; it then also prints each service's peak RSS (VmHWM). Without --start it measures a
suite already running, found as `ticketflow up` places it:

    TICKETFLOW_VAR_DIR=/tmp/tf-bench PIPELINE_HTTP_PORT=18001 TICKET_HTTP_PORT=18002 \\
      CHANNELS_HTTP_PORT=18003 NOTIFIER_HTTP_PORT=18004 .venv/bin/ticketflow up
    TICKETFLOW_VAR_DIR=/tmp/tf-bench PIPELINE_HTTP_PORT=18001 TICKET_HTTP_PORT=18002 \\
      NOTIFIER_HTTP_PORT=18004 .venv/bin/python bench/skeleton.py

(the JWT secret comes from `<var dir>/jwt-secret`). For each concurrency it opens an account,
creates the tickets through the ticket service's HTTP API with that many requests in flight,
then reads each ticket's `recordedAt` from the notifier (at most --poll-concurrency reads in
flight, so 10,000 tickets do not exhaust the connection pool), and prints tickets/s from the
first POST sent to the last ticket recorded, p50/p95/p99 of sent -> recorded (split into the
HTTP create and the event path), and the ratio of the rates c10/c1. All clocks are this
machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from measure import cpu_line, cpu_now, latency_line
from suite import RunningSuite, running_suite

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_cli.jwt_secret import secret_for_signing

ENV_URLS = {"pipeline": 8001, "ticket": 8002, "notifier": 8004}


def urls_from(env: Mapping[str, str]) -> dict[str, str]:
    """Where `ticketflow up` with this environment serves each service (`<PREFIX>_HTTP_PORT`)."""
    return {
        name: f"http://127.0.0.1:{env.get(f'{name.upper()}_HTTP_PORT', default)}"
        for name, default in ENV_URLS.items()
    }


@dataclass(frozen=True)
class Sent:
    ticket_id: str
    sent_at: datetime
    answered_at: datetime
    created_at: datetime


class Skeleton:
    """The suite's HTTP APIs, as an account's super admin. On aiohttp: it takes a third of
    httpx's CPU per request, and this client shares the machine with the suite it measures."""

    def __init__(self, client: aiohttp.ClientSession, urls: Mapping[str, str], secret: str):
        self._client = client
        self._urls = urls
        self._secret = secret
        self._headers: dict[str, str] = {}

    async def open_account(self) -> None:
        operator = Principal("platform", "bench", frozenset({Role.OPERATOR}), frozenset())
        token = TokenCodec(self._secret, "ticketflow").issue(operator, now=datetime.now(UTC))
        async with self._client.post(
            f"{self._urls['pipeline']}/admin/v1/accounts",
            json={"name": "Bench", "tier": "enterprise", "admin_email": "bench@example.test"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            response.raise_for_status()
            self._headers = {"Authorization": f"Bearer {(await response.json())['token']}"}

    async def send(self, n: int) -> Sent:
        body = {
            "properties": {
                "subject": f"bench {n}",
                "hs_pipeline": "default",
                "hs_pipeline_stage": "1",
            }
        }
        text = ""
        for _ in range(600):
            sent_at = datetime.now(UTC)
            async with self._client.post(
                f"{self._urls['ticket']}/crm/v3/objects/tickets", json=body, headers=self._headers
            ) as response:
                if response.status == 201:
                    created = await response.json()
                    return Sent(
                        str(created["id"]),
                        sent_at,
                        datetime.now(UTC),
                        datetime.fromisoformat(created["createdAt"].replace("Z", "+00:00")),
                    )
                if response.status != 400:  # 400 only while the new pipeline replicates
                    response.raise_for_status()
                text = await response.text()
            await asyncio.sleep(0.05)
        raise TimeoutError(f"ticket {n}: still 400 after 30 s: {text}")

    async def recorded_at(self, ticket_id: str) -> datetime:
        for _ in range(3000):
            async with self._client.get(
                f"{self._urls['notifier']}/notifier/v1/tickets/{ticket_id}", headers=self._headers
            ) as response:
                if response.status == 200:
                    return datetime.fromisoformat((await response.json())["recordedAt"])
                if response.status != 404:
                    response.raise_for_status()
            await asyncio.sleep(0.05)
        raise TimeoutError(f"ticket {ticket_id} not recorded by the notifier within 150 s")


async def measure(
    urls: Mapping[str, str],
    secret: str,
    tickets: int,
    concurrency: int,
    poll_concurrency: int,
    pids: Mapping[str, int],
) -> float:
    """Runs one concurrency level; prints its figures and returns its tickets/s. CPU is
    counted from the first POST to the last 201 (the notifier's last few events after it
    are left out, its answers to the polls too)."""
    connections = max(concurrency, poll_concurrency) + 2
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=150, sock_read=30),
    ) as client:
        skeleton = Skeleton(client, urls, secret)
        await skeleton.open_account()
        await skeleton.send(-1)  # waits for the new pipeline to replicate; not measured

        sending = asyncio.Semaphore(concurrency)

        async def send_one(n: int) -> Sent:
            async with sending:
                return await skeleton.send(n)

        polling = asyncio.Semaphore(poll_concurrency)

        async def poll_one(ticket_id: str) -> datetime:
            async with polling:
                return await skeleton.recorded_at(ticket_id)

        began, cpu_before = time.perf_counter(), cpu_now(pids)
        sent = await asyncio.gather(*(send_one(n) for n in range(tickets)))
        created_seconds, cpu_after = time.perf_counter() - began, cpu_now(pids)
        recorded = await asyncio.gather(*(poll_one(s.ticket_id) for s in sent))
    span = (max(recorded) - min(s.sent_at for s in sent)).total_seconds()
    rate = tickets / span
    print(
        f"concurrency {concurrency}: {tickets:,} tickets, {rate:,.1f} tickets/s created -> "
        f"recorded ({span:.2f} s; all 201s after {created_seconds:.2f} s)"
    )

    paths = {
        "sent -> recorded": [r - s.sent_at for s, r in zip(sent, recorded, strict=True)],
        "  HTTP create (sent -> 201)": [s.answered_at - s.sent_at for s in sent],
        "  event path (committed -> recorded)": [
            r - s.created_at for s, r in zip(sent, recorded, strict=True)
        ],
    }
    for label, durations in paths.items():
        print("  " + latency_line(label, [d.total_seconds() * 1000 for d in durations]))
    print(cpu_line(cpu_before, cpu_after, tickets, "ticket"))
    return rate


async def bench(
    suite: RunningSuite | None,
    env: Mapping[str, str],
    tickets: int,
    levels: list[int],
    poll_concurrency: int,
) -> None:
    urls = suite.urls if suite else urls_from(env)
    secret = secret_for_signing(suite.env if suite else env)
    pids = suite.pids if suite else {}
    rates = {c: await measure(urls, secret, tickets, c, poll_concurrency, pids) for c in levels}
    if 1 in rates and 10 in rates:
        print(f"ratio c10/c1: {rates[10] / rates[1]:.2f}")
    if suite:
        print("peak RSS: " + ", ".join(f"{n} {m:.0f} MiB" for n, m in suite.peak_rss().items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--poll-concurrency", type=int, default=20)
    parser.add_argument("--start", action="store_true", help="run its own `ticketflow up`")
    parser.add_argument("--port-base", type=int, default=18000)
    args = parser.parse_args()
    env = dict(os.environ)

    async def run() -> None:
        if not args.start:
            await bench(None, env, args.tickets, args.concurrency, args.poll_concurrency)
            return
        async with running_suite(env, args.port_base) as suite:
            await bench(suite, env, args.tickets, args.concurrency, args.poll_concurrency)

    print(f"skeleton: python {sys.version.split()[0]}", flush=True)
    asyncio.run(run())


if __name__ == "__main__":
    main()
