"""Exchanges, queues, dead-lettering: declared here once for every service.

Every service queue is a durable quorum queue `<service>.<purpose>` with a
delivery limit and the dead-letter exchange; its poison messages land in
`<queue>.dlq` (also quorum, bound to the dead-letter exchange by the queue's name).
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.rabbit.schemas.queue import QuorumQueueArgs

from ticketflow_contracts import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    dead_letter_queue,
)

EVENTS = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
COMMANDS = RabbitExchange(COMMANDS_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
DEAD_LETTERS = RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
EXCHANGES = {e.name: e for e in (EVENTS, COMMANDS, DEAD_LETTERS)}


@dataclass(frozen=True)
class Binding:
    exchange: str
    routing_key: str


@dataclass(frozen=True)
class QueueSpec:
    """A service queue: `QueueSpec("notifier.ticket-events", (on_events("ticket.created.#"),))`.
    `retired`: bindings an earlier release declared and this one does not want: a durable
    queue keeps its bindings across restarts, so they are removed at start-up (removing one
    that is not there changes nothing)."""

    name: str
    bindings: tuple[Binding, ...]
    retired: tuple[Binding, ...] = ()

    @property
    def dead_letter_queue(self) -> str:
        return dead_letter_queue(self.name)


def on_events(pattern: str) -> Binding:
    return Binding(EVENTS_EXCHANGE, pattern)


def on_command(command_type: str) -> Binding:
    return Binding(COMMANDS_EXCHANGE, command_type)


def quorum_queue(
    name: str, *, delivery_limit: int | None, dead_letter_key: str | None
) -> RabbitQueue:
    arguments: QuorumQueueArgs = {}
    if delivery_limit is not None:
        arguments["x-delivery-limit"] = delivery_limit
    if dead_letter_key is not None:
        arguments["x-dead-letter-exchange"] = DEAD_LETTER_EXCHANGE
        arguments["x-dead-letter-routing-key"] = dead_letter_key
    return RabbitQueue(name, queue_type=QueueType.QUORUM, durable=True, arguments=arguments)


def service_queue(spec: QueueSpec, delivery_limit: int) -> RabbitQueue:
    """The queue a subscriber consumes; the broker dead-letters past the delivery limit
    (a backstop: the consumer dead-letters with the error before that)."""
    return quorum_queue(spec.name, delivery_limit=delivery_limit, dead_letter_key=spec.name)


def parking_queue(spec: QueueSpec) -> RabbitQueue:
    return quorum_queue(spec.dead_letter_queue, delivery_limit=None, dead_letter_key=None)


async def declare_topology(
    broker: RabbitBroker, queues: tuple[QueueSpec, ...], delivery_limit: int
) -> None:
    """Idempotent: exchanges, each queue with its bindings (and without its retired ones),
    each `.dlq` with its binding."""
    declared = {
        name: await broker.declare_exchange(exchange) for name, exchange in EXCHANGES.items()
    }
    for spec in queues:
        queue = await broker.declare_queue(service_queue(spec, delivery_limit))
        for binding in spec.bindings:
            await queue.bind(declared[binding.exchange], routing_key=binding.routing_key)
        for binding in spec.retired:
            await queue.unbind(declared[binding.exchange], routing_key=binding.routing_key)
        parked = await broker.declare_queue(parking_queue(spec))
        await parked.bind(declared[DEAD_LETTER_EXCHANGE], routing_key=spec.name)
