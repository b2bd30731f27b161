"""One consume -> state -> publish hop, three ways, on the same pre-filled queue, in one run.

    .venv/bin/python bench/hop.py [--messages 5000] [--prefetch 50] [--only ours raw faststream]

Each way gets its own throw-away RabbitMQ virtual host (127.0.0.1), the same input queue (a
service queue as the chassis declares it: quorum, delivery limit, dead-lettering) pre-filled
with N persistent TicketCreated envelopes, and is timed from connecting until the N-th next
event (TicketArchived) is in a sink queue, confirmed (the sink's count is polled):

- raw: aio-pika, prefetch P, one message at a time: decode, publish the next persistent
  message on a confirming channel, await the confirm, ack;
- faststream: a plain `@broker.subscriber` (prefetch P, confirms on, access log at DEBUG as
  ours) that publishes the next message;
- ours: a chassis ServiceRuntime on SQLite in a temp dir, one typed subscriber
  (`QueueConsumer.on`) whose handler opens the unit of work (inbox mark from the consumer's
  context), writes one document, records TicketArchived (the outbox) and commits; the
  runtime's outbox relay publishes it with confirms.

Prints messages/s, CPU seconds per message of this process (time.process_time), the peak
RSS of this process during each way (VmHWM, reset in between) and the ratios; issue 9's
target is ours >= 0.67x raw. Virtual hosts and the temp dir are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
from faststream.rabbit import Channel, RabbitBroker
from measure import peak_rss_mib, reset_peak_rss, scratch_vhost

from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.messaging.topology import EVENTS, QueueSpec, declare_topology, service_queue
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.testing import TEST_JWT_SECRET, envelope_of, wire_body
from ticketflow_contracts import EVENTS_EXCHANGE, Envelope, TicketArchived, TicketCreated
from ticketflow_contracts.tickets import Actor, ActorKind

HOP_IN = QueueSpec("bench.hop-in", ())
SINK = "bench.hop-out"
NEXT_KEY = TicketArchived.message_type()
DELIVERY_LIMIT = 5
HOPS = Collection("hops")
WAYS = ("raw", "faststream", "ours")


@dataclass(frozen=True)
class Figures:
    way: str
    messages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    note: str

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def next_body(created: dict[str, Any]) -> bytes:
    """What raw and faststream publish: the next event, from the consumed envelope."""
    payload = created["payload"]
    return json.dumps(
        {
            **created,
            "message_id": str(uuid.uuid4()),
            "causation_id": created["message_id"],
            "type": NEXT_KEY,
            "payload": {
                "ticket_id": payload["ticket_id"],
                "pipeline_id": payload["pipeline_id"],
                "status_id": payload["status_id"],
                "actor": {"kind": "automation", "id": "bench"},
                "archived_at": datetime.now(UTC).isoformat(),
            },
        }
    ).encode()


async def prepare(amqp_url: str, messages: int) -> None:
    """The input queue (as the chassis declares it) with `messages` envelopes, and the sink."""
    broker = RabbitBroker(amqp_url, log_level=logging.DEBUG)
    await broker.connect()
    try:
        await declare_topology(broker, (HOP_IN,), DELIVERY_LIMIT)
    finally:
        await broker.stop()
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        sink = await channel.declare_queue(SINK, durable=True, arguments={"x-queue-type": "quorum"})
        await sink.bind(EVENTS_EXCHANGE, routing_key=f"{NEXT_KEY}.#")
        for start in range(0, messages, 500):
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(
                        aio_pika.Message(
                            created_body(n), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                        ),
                        routing_key=HOP_IN.name,
                    )
                    for n in range(start, min(start + 500, messages))
                )
            )
    finally:
        await connection.close()


def created_body(n: int) -> bytes:
    created = TicketCreated(
        ticket_id=str(n),
        pipeline_id="support",
        status_id="new",
        subject=f"hop {n}",
        created_at=datetime.now(UTC),
    )
    return wire_body(envelope_of(created, account_id="bench"))


async def sink_filled(amqp_url: str, messages: int, limit_seconds: float) -> None:
    """Returns once the sink holds `messages` (each confirmed by its publisher)."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        deadline = time.monotonic() + limit_seconds
        while True:
            declared = await channel.declare_queue(SINK, passive=True)
            count = declared.declaration_result.message_count or 0
            if count >= messages:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} of {messages} next events in {limit_seconds} s")
            await asyncio.sleep(0.01)
    finally:
        await connection.close()


Consume = Callable[[], Coroutine[Any, Any, None]]


async def timed(
    way: str, amqp_url: str, messages: int, limit_seconds: float, run: Consume, note: str
) -> Figures:
    """Times `run` (which consumes until cancelled) until the sink is full; the clock starts
    before `run` connects."""
    reset_peak_rss()
    cpu, began = time.process_time(), time.perf_counter()
    task = asyncio.create_task(run())
    waiting = asyncio.create_task(sink_filled(amqp_url, messages, limit_seconds))
    done, _ = await asyncio.wait((task, waiting), return_when=asyncio.FIRST_COMPLETED)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    if task in done:  # a way that fails must not be timed as finished
        waiting.cancel()
        task.result()  # raises what stopped it
        raise RuntimeError(f"{way} stopped consuming before the sink was full")
    await waiting
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return Figures(way, messages, seconds, cpu_seconds, peak_rss_mib(), note)


def raw(amqp_url: str, prefetch: int) -> tuple[Consume, str]:
    async def consume() -> None:
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=prefetch)
            queue = await channel.get_queue(HOP_IN.name, ensure=False)
            exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
            async with queue.iterator() as incoming:
                async for message in incoming:
                    body = next_body(json.loads(message.body))
                    await exchange.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=NEXT_KEY,
                    )
                    await message.ack()
        finally:
            await connection.close()

    return consume, f"prefetch {prefetch}"


def faststream(amqp_url: str, prefetch: int) -> tuple[Consume, str]:
    broker = RabbitBroker(
        amqp_url,
        default_channel=Channel(prefetch_count=prefetch, publisher_confirms=True),
        log_level=logging.DEBUG,
    )

    @broker.subscriber(service_queue(HOP_IN, DELIVERY_LIMIT))
    async def on_ticket_created(created: dict[str, Any]) -> None:
        await broker.publish(
            next_body(created), exchange=EVENTS, routing_key=NEXT_KEY, persist=True
        )

    async def consume() -> None:
        try:
            await broker.start()
            await asyncio.Event().wait()
        finally:
            await broker.stop()

    return consume, f"prefetch {prefetch}"


def ours(amqp_url: str, directory: Path, prefetch: int) -> tuple[Consume, str]:
    settings = ServiceSettings(
        service_name="bench",
        http_port=8999,  # unused: no HTTP here
        jwt_secret=TEST_JWT_SECRET,
        amqp_url=amqp_url,
        store_url=f"sqlite:///{directory / 'bench.sqlite3'}",
        var_dir=directory,
        delivery_limit=DELIVERY_LIMIT,
        consumer_prefetch=prefetch,
    )
    runtime = ServiceRuntime(settings, (HOPS,), (HOP_IN,), publishes=(TicketArchived,))
    hop_in = runtime.consumer(HOP_IN)
    uow = runtime.uow

    @hop_in.on(TicketCreated)
    async def on_ticket_created(event: Envelope[TicketCreated]) -> None:
        created = event.payload
        async with uow.begin(hop_in.context_of(event)) as session:
            await session.put(
                HOPS.name,
                {"id": created.ticket_id, "status_id": created.status_id},
                expected_version=None,
            )
            await session.record(
                TicketArchived(
                    ticket_id=created.ticket_id,
                    pipeline_id=created.pipeline_id,
                    status_id=created.status_id,
                    actor=Actor(kind=ActorKind.AUTOMATION, id="bench"),
                    archived_at=session.now,
                )
            )

    runtime.broker.include_router(consumers_router(hop_in))

    async def consume() -> None:
        async with runtime.lifespan():
            await asyncio.Event().wait()

    return consume, f"prefetch {prefetch}, relay batch {settings.outbox_batch_size}"


async def bench(messages: int, prefetch: int, ways: list[str], limit_seconds: float) -> None:
    results: dict[str, Figures] = {}
    for way in ways:
        with scratch_vhost("bench-hop") as amqp_url, tempfile.TemporaryDirectory() as directory:
            await prepare(amqp_url, messages)
            if way == "raw":
                run, note = raw(amqp_url, prefetch)
            elif way == "faststream":
                run, note = faststream(amqp_url, prefetch)
            else:
                run, note = ours(amqp_url, Path(directory), prefetch)
            figures = await timed(way, amqp_url, messages, limit_seconds, run, note)
        results[way] = figures
        print(
            f"{way:<10} {figures.rate:8,.0f} msg/s  {figures.seconds:6.2f} s  "
            f"CPU {figures.cpu_seconds / messages * 1e6:6.0f} us/msg  "
            f"peak RSS {figures.peak_rss_mib:5.0f} MiB  ({figures.note})",
            flush=True,
        )
    if "ours" in results:
        for other in ("raw", "faststream"):
            if other in results:
                print(f"ours/{other}: {results['ours'].rate / results[other].rate:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--prefetch", type=int, default=50)
    parser.add_argument("--only", nargs="+", choices=WAYS, default=list(WAYS))
    parser.add_argument("--timeout", type=float, default=300.0, help="per way, seconds")
    args = parser.parse_args()
    python = sys.version.split()[0]
    print(f"hop: {args.messages:,} messages, prefetch {args.prefetch}, python {python}")
    asyncio.run(bench(args.messages, args.prefetch, args.only, args.timeout))


if __name__ == "__main__":
    main()
