"""Builders for tests of message handlers and subscribers: an envelope around a payload, its
wire body, and the context a consumer hands a handler.

    event = envelope_of(TicketCreated(...), account_id="a1")
    await record_ticket_created(event.payload, uow, consumed_context(event))
    await broker.publish(wire_body(event), queue=...)
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import Envelope, Message

M = TypeVar("M", bound=Message)


def envelope_of(
    payload: M,
    *,
    account_id: str = "a1",
    message_id: uuid.UUID | None = None,
    correlation_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
    producer: str = "test",
) -> Envelope[M]:
    envelope = Envelope[Any](
        message_id=message_id or uuid.uuid4(),
        type=payload.message_type(),
        version=payload.version,
        occurred_at=occurred_at or datetime.now(UTC),
        account_id=account_id,
        correlation_id=correlation_id or uuid.uuid4(),
        producer=producer,
        payload=payload,
    )
    return cast("Envelope[M]", envelope)


def wire_body(envelope: Envelope[M]) -> bytes:
    """The JSON bytes the outbox relay would publish."""
    return envelope.model_dump_json().encode()


def consumed_context(envelope: Envelope[M], queue: str = "test.queue") -> MessageContext:
    """What a consumer of `queue` passes the handler: caused by the envelope, with an inbox key."""
    return MessageContext.caused_by(envelope, f"{queue}:{envelope.message_id}")


async def deliver(
    handler: Callable[[M, UnitOfWork, MessageContext], Awaitable[object]],
    uow: UnitOfWork,
    envelope: Envelope[M],
    queue: str = "test.queue",
) -> None:
    """Run a message handler as the consumer of `queue` would: payload, uow, context (with the
    inbox key, so delivering the same envelope twice raises DuplicateMessage)."""
    await handler(envelope.payload, uow, consumed_context(envelope, queue))
