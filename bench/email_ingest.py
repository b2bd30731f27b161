"""Email ingestion end to end: N emails over SMTP -> `conversation.message_received.email`
published, with 1 and 3 ingestion workers.

    .venv/bin/python bench/email_ingest.py [--emails 1000] [--workers 1 3] [--connections 4]

For each worker count it runs its own suite (`ticketflow up --scale channels-ingest=W`: one
intake process with the SMTP listener and W ingestion workers, on a fresh RabbitMQ virtual
host and a temp var dir, SQLite), opens an account, connects an inbox and binds a queue of
its own to `conversation.message_received.email`. Then:

1. saturated: the N emails sent as fast as the listener takes them over `--connections` SMTP
   sessions at once; messages/s from the first send to the last event received;
2. latency at half that rate: N/2 more emails paced at 0.5x the saturated rate (one session
   per email, started on schedule); p50/p95/p99 from the listener's 250 to the event's
   arrival here, and of the SMTP exchange itself.

Every email is a new conversation from its own sender (no loop hold), with a Message-ID the
events are matched by. Prints one line per measure and the ratio of 3 workers to 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import smtplib
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

import aio_pika
import aiohttp
from measure import latency_line
from suite import RunningSuite, running_suite

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_cli.jwt_secret import secret_for_signing
from ticketflow_contracts import EVENTS_EXCHANGE

INBOX = "support@bench.test"


@dataclass
class Arrivals:
    """When each email's event arrived here (monotonic seconds), by Message-ID."""

    at: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def until(self, ids: list[str], within_seconds: float) -> None:
        deadline = time.monotonic() + within_seconds
        while not all(i in self.at for i in ids):
            if time.monotonic() > deadline:
                missing = sum(1 for i in ids if i not in self.at)
                raise RuntimeError(f"{missing} of {len(ids)} events never arrived")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 1.0)


def emails(count: int, run: str) -> Iterator[tuple[str, bytes]]:
    for n in range(count):
        message = EmailMessage()
        message_id = f"{run}-{n}@bench.test"
        message["From"] = f"Customer {n} <customer-{run}-{n}@example.org>"
        message["To"] = INBOX
        message["Subject"] = f"Question {n}"
        message["Message-ID"] = f"<{message_id}>"
        message.set_content(f"Hello, this is question {n}.\n\nThanks,\nCustomer {n}\n" * 3)
        yield message_id, message.as_bytes()


def send_session(port: int, batch: list[tuple[str, bytes]], accepted: dict[str, float]) -> None:
    """One SMTP session sending every email of the batch; the 250's time per Message-ID."""
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        for message_id, raw in batch:
            smtp.sendmail("bench@example.org", [INBOX], raw)
            accepted[message_id] = time.monotonic()


def send_one(
    port: int, message_id: str, raw: bytes, timing: dict[str, tuple[float, float]]
) -> None:
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        smtp.sendmail("bench@example.org", [INBOX], raw)
    timing[message_id] = (started, time.monotonic())


async def open_inbox(urls: dict[str, str], secret: str) -> None:
    operator = Principal("platform", "bench", frozenset({Role.OPERATOR}), frozenset())
    token = TokenCodec(secret, "ticketflow").issue(operator, now=datetime.now(UTC))
    async with aiohttp.ClientSession() as client:
        async with client.post(
            f"{urls['pipeline']}/admin/v1/accounts",
            json={"name": "Bench", "tier": "enterprise", "admin_email": "bench@example.test"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            response.raise_for_status()
            headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
        body = {"type": "email", "address": INBOX, "pipelineId": "default"}
        for _ in range(200):  # until channels has the account's default pipeline
            async with client.post(
                f"{urls['channels']}/channels/v1/connections", json=body, headers=headers
            ) as response:
                if response.status == 201:
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError("the inbox could not be connected")


async def measure(suite: RunningSuite, count: int, connections: int, smtp_port: int) -> float:
    await open_inbox(suite.urls, secret_for_signing(suite.env))
    arrivals = Arrivals()
    broker = await aio_pika.connect(suite.env["AMQP_URL"])
    try:
        channel = await broker.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "conversation.message_received.email")

        async def arrived(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            arrivals.at[json.loads(message.body)["payload"]["email_message_id"]] = time.monotonic()
            arrivals.changed.set()
            await message.ack()

        await queue.consume(arrived)
        run = uuid.uuid4().hex[:8]

        batch = list(emails(count, run))
        accepted: dict[str, float] = {}
        started = time.monotonic()
        await asyncio.gather(
            *(
                asyncio.to_thread(send_session, smtp_port, batch[i::connections], accepted)
                for i in range(connections)
            )
        )
        accept_seconds = time.monotonic() - started
        await arrivals.until([m for m, _ in batch], within_seconds=600)
        rate = count / (max(arrivals.at.values()) - started)
        print(
            f"  saturated: {count} emails, {rate:.0f} msg/s accept->published"
            f" (SMTP accepted them at {count / accept_seconds:.0f} msg/s)",
            flush=True,
        )

        paced = list(emails(count // 2, run + "p"))
        interval = 1 / (rate / 2)
        timing: dict[str, tuple[float, float]] = {}
        sends = []
        begin = time.monotonic()
        for n, (message_id, raw) in enumerate(paced):
            await asyncio.sleep(max(0.0, begin + n * interval - time.monotonic()))
            sends.append(
                asyncio.create_task(asyncio.to_thread(send_one, smtp_port, message_id, raw, timing))
            )
        await asyncio.gather(*sends)
        await arrivals.until([m for m, _ in paced], within_seconds=600)
        print(
            "  "
            + latency_line(
                f"at {rate / 2:.0f} msg/s, SMTP 250 -> published",
                [(arrivals.at[m] - timing[m][1]) * 1000 for m, _ in paced],
            ),
            flush=True,
        )
        print(
            "  "
            + latency_line(
                "  SMTP session (connect .. 250)",
                [(timing[m][1] - timing[m][0]) * 1000 for m, _ in paced],
            ),
            flush=True,
        )
        return rate
    finally:
        await broker.close()


async def bench(count: int, workers: list[int], connections: int, port_base: int) -> None:
    rates: dict[int, float] = {}
    smtp_port = port_base + 25
    for n in workers:
        env = {
            **os.environ,
            "CHANNELS_SMTP_PORT": str(smtp_port),
            "CHANNELS_LOOP_BURST_COUNT": "1000000",
        }
        print(f"{n} ingestion worker(s):", flush=True)
        async with running_suite(env, port_base, ("--scale", f"channels-ingest={n}")) as suite:
            rates[n] = await measure(suite, count, connections, smtp_port)
    if 1 in rates and 3 in rates:
        print(f"ratio 3 workers / 1: {rates[3] / rates[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port-base", type=int, default=18000)
    args = parser.parse_args()
    print(f"email ingest: python {sys.version.split()[0]}", flush=True)
    asyncio.run(bench(args.emails, args.workers, args.connections, args.port_base))


if __name__ == "__main__":
    main()
