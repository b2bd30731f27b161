"""Consuming: decode the envelope, route by type to one handler, ack, retry or dead-letter.

- malformed envelope or payload, a newer breaking version, a domain error:
  poison; parked in `<queue>.dlq` with the error at once, then acked;
- any other failure (store conflict, a dependency down): requeued, and parked
  with the error once the delivery limit is reached;
- a redelivery of a processed message (DuplicateMessage): acked, no effect;
- a type the queue has no handler for: acked and ignored (tolerant reader).
Parking publishes with confirms before the ack, so a message is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from faststream.rabbit import RabbitBroker
from faststream.rabbit.message import RabbitMessage
from pydantic import ValidationError

from ticketflow_chassis.logging import bind_correlation_id, correlation_id_var
from ticketflow_chassis.messaging.publishing import publish_confirmed
from ticketflow_chassis.messaging.topology import QueueSpec
from ticketflow_chassis.store.port import OutboxMessage
from ticketflow_chassis.uow import DuplicateMessage, MessageContext
from ticketflow_contracts import DEAD_LETTER_EXCHANGE, Envelope, Message
from ticketflow_contracts.errors import TicketflowError

log = logging.getLogger(__name__)

P = TypeVar("P", bound=Message)


@dataclass(frozen=True)
class Received(Generic[P]):
    envelope: Envelope
    payload: P
    context: MessageContext


Handler = Callable[[Received[Any]], Awaitable[None]]


class PoisonMessage(Exception):
    """A message no retry can fix."""


class Consumer:
    """The body of one queue's subscriber: `await consumer(message)`."""

    def __init__(
        self,
        broker: RabbitBroker,
        queue: QueueSpec,
        routes: Mapping[type[Message], Handler],
        delivery_limit: int,
    ):
        self._broker = broker
        self._queue = queue
        self._routes = {cls.message_type(): (cls, handler) for cls, handler in routes.items()}
        self._delivery_limit = delivery_limit

    async def __call__(self, message: RabbitMessage) -> None:
        try:
            await self._settle(message)
        except Exception:
            log.exception("could not settle a message; requeued", extra={"queue": self._queue.name})
            await message.nack(requeue=True)

    async def _settle(self, message: RabbitMessage) -> None:
        try:
            await self._handle(message)
        except DuplicateMessage:
            log.info("duplicate message acknowledged", extra={"queue": self._queue.name})
        except (PoisonMessage, TicketflowError) as exc:
            await self._park(message, exc)
            return
        except Exception as exc:
            if self._attempts(message) >= self._delivery_limit:
                await self._park(message, exc)
                return
            log.warning("message failed, requeued: %s", exc, extra={"queue": self._queue.name})
            await message.nack(requeue=True)
            return
        await message.ack()

    async def _handle(self, message: RabbitMessage) -> None:
        envelope = self._decode_envelope(message.body)
        route = self._routes.get(envelope.type)
        if route is None:
            log.debug("no handler for %s on %s", envelope.type, self._queue.name)
            return
        payload_class, handler = route
        if envelope.version > payload_class.version:
            raise PoisonMessage(
                f"{envelope.type} version {envelope.version} is newer than the "
                f"supported version {payload_class.version}"
            )
        try:
            payload = payload_class.model_validate(envelope.payload)
        except ValidationError as exc:
            raise PoisonMessage(f"invalid {envelope.type} payload: {exc}") from exc
        inbox_key = f"{self._queue.name}:{envelope.message_id}"
        token = bind_correlation_id(str(envelope.correlation_id))
        try:
            await handler(
                Received(envelope, payload, MessageContext.caused_by(envelope, inbox_key))
            )
        finally:
            correlation_id_var.reset(token)

    @staticmethod
    def _decode_envelope(body: bytes) -> Envelope:
        try:
            return Envelope.model_validate_json(body)
        except ValidationError as exc:
            raise PoisonMessage(f"not a ticketflow envelope: {exc}") from exc

    @staticmethod
    def _attempts(message: RabbitMessage) -> int:
        redeliveries = message.raw_message.headers.get("x-delivery-count") or 0
        return int(str(redeliveries)) + 1

    async def _park(self, message: RabbitMessage, exc: BaseException) -> None:
        raw = message.raw_message
        headers = {str(k): str(v) for k, v in (raw.headers or {}).items()}
        headers.update(
            {
                "x-error": f"{type(exc).__name__}: {exc}"[:4000],
                "x-error-type": type(exc).__name__,
                "x-failed-queue": self._queue.name,
                "x-original-exchange": raw.exchange or "",
                "x-original-routing-key": raw.routing_key or "",
                "x-failed-at": datetime.now(UTC).isoformat(),
                "x-attempts": str(self._attempts(message)),
            }
        )
        await publish_confirmed(
            self._broker,
            OutboxMessage(
                message_id=raw.message_id or "",
                exchange=DEAD_LETTER_EXCHANGE,
                routing_key=self._queue.name,
                body=message.body,
                headers=headers,
            ),
        )
        log.error(
            "message dead-lettered to %s: %s",
            self._queue.dead_letter_queue,
            exc,
            extra={"queue": self._queue.name},
        )
        await message.ack()
