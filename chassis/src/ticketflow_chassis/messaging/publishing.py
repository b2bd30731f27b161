"""Publishing to RabbitMQ: persistent messages, awaited publisher confirms."""

from __future__ import annotations

from typing import Any

from aio_pika.exceptions import ChannelInvalidStateError
from faststream.exceptions import IncorrectState
from faststream.rabbit import RabbitBroker

from ticketflow_chassis.messaging.topology import EXCHANGES
from ticketflow_chassis.store.port import OutboxMessage
from ticketflow_contracts import COMMANDS_EXCHANGE


async def publish_confirmed(broker: RabbitBroker, message: OutboxMessage) -> None:
    """Returns once the broker has confirmed the message (the channel runs in confirm mode).

    An event nobody subscribes to yet is not an error; an unroutable command is (its
    owner has not declared its queue): the channel raises, and the relay retries it with
    backoff. A broker that is not connected, or a closed channel, raises ConnectionError:
    the relay waits for the broker without counting it against the message.
    """
    try:
        await _publish(broker, message)
    except (ChannelInvalidStateError, IncorrectState) as exc:
        raise ConnectionError(f"RabbitMQ is unavailable: {exc}") from exc


async def _publish(broker: RabbitBroker, message: OutboxMessage) -> None:
    await broker.publish(
        message.body,
        exchange=EXCHANGES[message.exchange],
        routing_key=message.routing_key,
        persist=True,
        mandatory=message.exchange == COMMANDS_EXCHANGE,
        message_id=message.message_id,
        correlation_id=message.headers.get("correlation_id"),
        message_type=message.headers.get("type"),
        content_type="application/json",
        headers=dict[str, Any](message.headers),
    )
