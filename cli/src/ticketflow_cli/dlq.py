"""`ticketflow dlq list|replay`: inspect and replay parked messages in `<queue>.dlq` over AMQP.

Listing takes every message unacknowledged and requeues them all at the end: nothing is
consumed, but the order inside the `.dlq` may change and the broker's delivery count grows.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any, TextIO

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue
from aio_pika.exceptions import AMQPConnectionError, AMQPError, ChannelClosed

from ticketflow_cli.serve import SERVICES
from ticketflow_contracts import dead_letter_queue


def known_queues() -> list[str]:
    """Every service's queues, from the services' own topology (AMQP cannot list queues):
    the ones whose `.dlq` `dlq list` shows when no queue is named."""
    names: list[str] = []
    for service in SERVICES:
        subscribers = importlib.import_module(f"ticketflow_{service}.entrypoints.subscribers")
        names += [queue.name for queue in subscribers.QUEUES]
    return names


BODY_PREVIEW_CHARS = 500
# Written when a message is parked or by the broker on delivery; a replay starts afresh.
PARKING_HEADER_PREFIXES = (
    "x-error",
    "x-failed",
    "x-original",
    "x-attempts",
    "x-death",
    "x-first-death",
    "x-last-death",
    "x-delivery-count",
)


BROKER_UNREACHABLE = (AMQPConnectionError, OSError, TimeoutError)
"""What connecting to a broker that is not there (or refuses us) raises."""


class ReplayError(Exception):
    """A replay stopped; the message it was on stays in the `.dlq`."""


def parked_queue(queue: str) -> str:
    """`ticket.x` and `ticket.x.dlq` both name the parking queue `ticket.x.dlq`."""
    return queue if queue.endswith(".dlq") else dead_letter_queue(queue)


async def queue_exists(connection: AbstractConnection, name: str) -> bool:
    # A failed passive declare closes its channel, hence a fresh channel per check.
    channel = await connection.channel()
    try:
        await channel.declare_queue(name, passive=True)
    except ChannelClosed:
        return False
    finally:
        if not channel.is_closed:
            await channel.close()
    return True


async def take_all(queue: AbstractQueue) -> list[AbstractIncomingMessage]:
    """Every ready message, unacknowledged: the caller acks or requeues each one."""
    messages = []
    while (message := await queue.get(no_ack=False, fail=False)) is not None:
        messages.append(message)
    return messages


async def requeue_unsettled(messages: Sequence[AbstractIncomingMessage]) -> None:
    for message in messages:
        if not message.processed:
            await message.nack(requeue=True)


def _header(message: AbstractIncomingMessage, key: str) -> str | None:
    value = (message.headers or {}).get(key)
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def failed_queue(message: AbstractIncomingMessage, parked: str) -> str:
    """The queue the message failed on; the broker's own dead letters carry no x-failed-queue."""
    return _header(message, "x-failed-queue") or parked.removesuffix(".dlq")


def describe(message: AbstractIncomingMessage, parked: str) -> dict[str, Any]:
    attempts = _header(message, "x-attempts")
    return {
        "queue": parked,
        "message_id": message.message_id,
        "failed_queue": failed_queue(message, parked),
        "error": _header(message, "x-error"),
        "error_type": _header(message, "x-error-type"),
        "failed_at": _header(message, "x-failed-at"),
        "attempts": int(attempts) if attempts and attempts.isdigit() else attempts,
        "original_exchange": _header(message, "x-original-exchange"),
        "original_routing_key": _header(message, "x-original-routing-key"),
        "body": message.body.decode("utf-8", "replace")[:BODY_PREVIEW_CHARS],
    }


async def list_parked(amqp_url: str, queue: str | None, *, out: TextIO, err: TextIO) -> int:
    """One JSON line per parked message of `queue`'s `.dlq`, or of every known queue's."""
    names = [parked_queue(queue)] if queue else [dead_letter_queue(q) for q in known_queues()]
    async with await aio_pika.connect(amqp_url) as connection:
        for name in names:
            if not await queue_exists(connection, name):
                if queue:
                    print(f"no queue named {name}", file=err)
                    return 1
                continue
            channel = await connection.channel()
            messages = await take_all(await channel.declare_queue(name, passive=True))
            try:
                for message in messages:
                    print(json.dumps(describe(message, name)), file=out)
            finally:
                await requeue_unsettled(messages)
                await channel.close()
    return 0


def replayable(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The message as first published: same body and ids, parking headers dropped, persistent."""
    headers = {
        key: value
        for key, value in (message.headers or {}).items()
        if not key.startswith(PARKING_HEADER_PREFIXES)
    }
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


async def replay(
    amqp_url: str, queue: str, *, message_id: str | None, out: TextIO, err: TextIO
) -> int:
    """Move parked messages (all, or the one with `message_id`) back to the queue they failed on.

    Each `.dlq` copy is acked only after the broker confirmed the republished message.
    """
    parked = parked_queue(queue)
    async with await aio_pika.connect(amqp_url) as connection:
        if not await queue_exists(connection, parked):
            print(f"no queue named {parked}", file=err)
            return 1
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        messages = await take_all(await channel.declare_queue(parked, passive=True))
        chosen = [m for m in messages if message_id is None or m.message_id == message_id]
        try:
            replayed = await _republish(connection, channel, chosen, parked)
        except (ReplayError, AMQPError) as exc:
            print(f"replay stopped: {exc}", file=err)
            return 1
        finally:
            await requeue_unsettled(messages)
            await channel.close()
    if message_id is not None and not replayed:
        print(f"no message {message_id} in {parked}", file=err)
        return 1
    print(f"replayed {replayed} message(s) from {parked}", file=out)
    return 0


async def _republish(
    connection: AbstractConnection,
    channel: aio_pika.abc.AbstractChannel,
    messages: Sequence[AbstractIncomingMessage],
    parked: str,
) -> int:
    targets: set[str] = set()
    for count, message in enumerate(messages):
        target = failed_queue(message, parked)
        if target not in targets:
            if not await queue_exists(connection, target):
                raise ReplayError(f"{count} replayed; queue {target} does not exist")
            targets.add(target)
        await channel.default_exchange.publish(replayable(message), routing_key=target)
        await message.ack()
    return len(messages)
