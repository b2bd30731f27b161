"""Consuming a service queue: one typed FastStream subscriber per message type, and the
settlement every message gets (ack, retry, or dead-letter with the error).

    ticket_events = QueueConsumer(TICKET_EVENTS, parking)
    @ticket_events.on(TicketCreated)
    async def on_ticket_created(event: Envelope[TicketCreated]) -> None:
        await record_ticket_created(event.payload, uow, ticket_events.context_of(event))

Settlement (`Settlement`, a FastStream middleware on the queue's router):
- not a JSON envelope, an invalid payload, a newer version, a domain error: poison, parked
  in `<queue>.dlq` with the error at once, then acked;
- any other failure (a store conflict, a dependency down): requeued, and parked with the
  error once the delivery limit is reached;
- a redelivery of a processed message (DuplicateMessage, raised by the inbox): acked;
- a type the queue has no subscriber for: acked and ignored (tolerant reader).
Parking publishes with confirms before the ack, so a message is never lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any, TypeVar, cast

from aio_pika import IncomingMessage
from faststream import BaseMiddleware
from faststream.exceptions import SubscriberNotFound
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import Channel, RabbitRouter
from pydantic import ValidationError

from ticketflow_chassis.logging import bind_correlation_id, correlation_id_var
from ticketflow_chassis.messaging.topology import QueueSpec, service_queue
from ticketflow_chassis.store.port import OutboxMessage
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UndeclaredMessage
from ticketflow_contracts import DEAD_LETTER_EXCHANGE, Envelope, Message
from ticketflow_contracts.errors import TicketflowError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Awaitable[None]])
Park = Callable[[OutboxMessage], Awaitable[None]]


class PoisonMessage(Exception):
    """A message no retry can fix."""


# No retry fixes these: bad input, a refusal by the domain, a message type the service
# records without declaring it (a bug to fix, not to retry).
POISON = (PoisonMessage, TicketflowError, ValidationError, UndeclaredMessage)


ENVELOPE_FIELDS = frozenset(
    name for name, field in Envelope.model_fields.items() if field.is_required()
)


async def decode_envelope(message: StreamMessage[Any]) -> dict[str, Any]:
    """The body as a JSON object with the envelope's fields; anything else is poison (the
    typed subscriber then validates every field and the payload)."""
    try:
        body = json.loads(message.body)
    except ValueError as exc:
        raise PoisonMessage(f"not a ticketflow envelope: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise PoisonMessage("not a ticketflow envelope: not a JSON object with a `type`")
    if missing := sorted(ENVELOPE_FIELDS - body.keys()):
        raise PoisonMessage(f"not a ticketflow envelope: {', '.join(missing)} missing")
    return body


async def _decoded(message: StreamMessage[Any]) -> dict[str, Any]:
    """What decode_envelope made of the body (FastStream keeps it): every envelope field."""
    return cast("dict[str, Any]", await message.decode())


def of_type(message_class: type[Message]) -> Callable[[StreamMessage[Any]], Awaitable[bool]]:
    message_type = message_class.message_type()

    async def is_of_type(message: StreamMessage[Any]) -> bool:
        return bool((await _decoded(message))["type"] == message_type)

    is_of_type.__name__ = f"is_{message_type.replace('.', '_')}"
    return is_of_type


class Settlement(BaseMiddleware):
    """Acks, requeues or parks the message once its subscriber has run (or failed to)."""

    def __init__(
        self,
        msg: IncomingMessage,
        /,
        *,
        context: Any,
        queue: QueueSpec,
        park: Park,
        delivery_limit: int,
    ) -> None:
        super().__init__(msg, context=context)
        self._raw = msg
        self._queue = queue
        self._park_message = park
        self._delivery_limit = delivery_limit

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        token = bind_correlation_id(str((await _decoded(msg))["correlation_id"]))
        try:
            return await call_next(msg)
        finally:
            correlation_id_var.reset(token)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        if exc_val is not None and not isinstance(exc_val, Exception):
            return False  # cancellation, shutdown: the broker redelivers it
        try:
            await self._settle(exc_val)
        except Exception:
            log.exception("could not settle a message; requeued", extra=self._extra)
            await self._raw.nack(requeue=True)
        return True

    async def _settle(self, error: Exception | None) -> None:
        if error is None:
            await self._raw.ack()
        elif isinstance(error, DuplicateMessage):
            log.info("duplicate message acknowledged", extra=self._extra)
            await self._raw.ack()
        elif isinstance(error, SubscriberNotFound):
            log.debug("no subscriber for this type on %s; ignored", self._queue.name)
            await self._raw.ack()
        elif isinstance(error, POISON) or self._attempts >= self._delivery_limit:
            await self._park(error)
        else:
            log.warning("message failed, requeued: %s", error, extra=self._extra)
            await self._raw.nack(requeue=True)

    @property
    def _extra(self) -> dict[str, str]:
        return {"queue": self._queue.name}

    @property
    def _attempts(self) -> int:
        redeliveries = (self._raw.headers or {}).get("x-delivery-count") or 0
        return int(str(redeliveries)) + 1

    async def _park(self, error: Exception) -> None:
        raw = self._raw
        headers = {str(k): str(v) for k, v in (raw.headers or {}).items()}
        headers.update(
            {
                "x-error": f"{type(error).__name__}: {error}"[:4000],
                "x-error-type": type(error).__name__,
                "x-failed-queue": self._queue.name,
                "x-original-exchange": raw.exchange or "",
                "x-original-routing-key": raw.routing_key or "",
                "x-failed-at": datetime.now(UTC).isoformat(),
                "x-attempts": str(self._attempts),
            }
        )
        await self._park_message(
            OutboxMessage(
                message_id=raw.message_id or "",
                exchange=DEAD_LETTER_EXCHANGE,
                routing_key=self._queue.name,
                body=raw.body,
                headers=headers,
            )
        )
        log.error(
            "message dead-lettered to %s: %s",
            self._queue.dead_letter_queue,
            error,
            extra=self._extra,
        )
        await raw.ack()


class QueueConsumer:
    """A service queue on its own router, with one typed subscriber per message type."""

    def __init__(self, queue: QueueSpec, park: Park, delivery_limit: int, prefetch: int):
        """`prefetch` bounds the messages this queue's consumer holds at once, so also how
        many it handles together (each delivery is handled in a task of its own)."""
        self.queue = queue
        self.router = RabbitRouter(
            middlewares=(
                partial(Settlement, queue=queue, park=park, delivery_limit=delivery_limit),
            )
        )
        bindings = ", ".join(f"`{b.routing_key}` on `{b.exchange}`" for b in queue.bindings)
        self._subscriber = self.router.subscriber(
            service_queue(queue, delivery_limit),
            channel=Channel(prefetch_count=prefetch),
            ack_policy=AckPolicy.MANUAL,
            decoder=decode_envelope,
            title=queue.name,
            description=f"Bound to {bindings}; poison goes to `{queue.dead_letter_queue}`.",
        )

    def on(self, message_class: type[Message]) -> Callable[[F], F]:
        """Register the decorated function as the subscriber for `message_class`; FastStream
        validates the body against its `Envelope[...]` parameter (and documents it)."""

        def register(subscriber: F) -> F:
            self._subscriber(filter=of_type(message_class))(subscriber)
            return subscriber

        return register

    def context_of(self, envelope: Envelope[Any]) -> MessageContext:
        """The unit-of-work context for handling `envelope` here: its account and correlation,
        caused by it, with this queue's inbox key (so a redelivery has no second effect)."""
        return MessageContext.caused_by(envelope, f"{self.queue.name}:{envelope.message_id}")


def consumers_router(*consumers: QueueConsumer) -> RabbitRouter:
    """One router holding the queues' routers, for the broker to include."""
    router = RabbitRouter()
    for consumer in consumers:
        router.include_router(consumer.router)
    return router
