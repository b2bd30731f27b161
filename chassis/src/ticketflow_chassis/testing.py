"""Builders for tests of message handlers and subscribers: an envelope around a payload, its
wire body, the context a consumer hands a handler, and a service's subscribers on FastStream's
in-memory test broker.

    event = envelope_of(TicketCreated(...), account_id="a1")
    await record_ticket_created(event.payload, uow, consumed_context(event))
    await broker.publish(wire_body(event), queue=...)

and a writer held open (`writer_held_open`), to show that reads do not wait for it; and the
paging cursors a client may forge (`HOSTILE_CURSORS`), which every paged route answers 400.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from faststream.message import StreamMessage
from faststream.rabbit import RabbitBroker, RabbitQueue, RabbitRouter, TestRabbitBroker

from ticketflow_chassis.directory_replica import DirectoryReplicas, event_time
from ticketflow_chassis.messaging.publishing import publish_confirmed
from ticketflow_chassis.messaging.topology import DEAD_LETTERS, QueueSpec
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.store.port import MAX_CURSOR_LENGTH
from ticketflow_chassis.uow import MessageContext, UnitOfWork, outbox_message
from ticketflow_contracts import (
    Command,
    Envelope,
    Event,
    Message,
    PipelineAccess,
    PipelineCreated,
    PipelineDeleted,
    PipelineRules,
    PipelineSnapshot,
    PipelineSnapshotEvent,
    PipelineUpdated,
    StatusProperty,
    StatusSnapshot,
    TicketState,
    UserRecord,
)

M = TypeVar("M", bound=Message)
T = TypeVar("T")

TEST_JWT_SECRET = "ticketflow-test-secret-known-to-every-test-never-deployed"
"""The JWT secret tests configure (at least 32 bytes); real ones are generated or configured."""


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


HOSTILE_CURSORS: Mapping[str, str] = {
    # Of the right length for a one-key sort, so only the check on values refuses them.
    "operator-value": _forged(json.dumps([{"$gt": ""}, "x"])),
    "operator-id": _forged(json.dumps(["2026-01-01", {"$ne": None}])),
    "array-value": _forged(json.dumps([["a"], "x"])),
    "not-a-number": _forged('[NaN, "x"]'),
    "object": _forged(json.dumps({"a": 1})),
    "not-base64": "%%not*base64%%",
    "too-long": "A" * (MAX_CURSOR_LENGTH + 1),
}
"""Paging cursors no store hands out, by what is wrong with them: every route that takes
`after` answers each with 400 on `after`, never 500 (and MongoDB never sees an operator)."""


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


class SubscribersUnderTest:
    """A service's subscribers on FastStream's in-memory TestRabbitBroker, its store open:
    fast tests of decoding, routing by type and handlers (not proof of delivery, redelivery or
    dead-lettering: those run on the real broker)."""

    def __init__(self, broker: RabbitBroker, parked: dict[str, list[bytes]]):
        self._broker = broker
        self.parked = parked

    async def publish(self, queue: QueueSpec, body: bytes | Envelope[Any]) -> None:
        """Deliver to `queue` as its bindings would (the body, or the envelope's wire form)."""
        data = body if isinstance(body, bytes) else wire_body(body)
        await self._broker.publish(data, queue=queue.name)


@asynccontextmanager
async def subscribers_under_test(
    runtime: ServiceRuntime, router: RabbitRouter
) -> AsyncIterator[SubscribersUnderTest]:
    """`async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:`"""
    parked: dict[str, list[bytes]] = {queue.name: [] for queue in runtime.queues}
    dead_letters = RabbitRouter()
    for queue in runtime.queues:
        dead_letters.subscriber(
            RabbitQueue(queue.dead_letter_queue, routing_key=queue.name),
            DEAD_LETTERS,
            decoder=_raw_body,
        )(_keeper(parked[queue.name]))
    runtime.broker.include_router(router)
    runtime.broker.include_router(dead_letters)
    await runtime.store.open(runtime.collections)
    try:
        async with TestRabbitBroker(runtime.broker) as broker:
            yield SubscribersUnderTest(broker, parked)
    finally:
        await runtime.store.close()


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    return message.body


def _keeper(kept: list[bytes]) -> Callable[[bytes], Awaitable[None]]:
    async def keep_parked(body: bytes) -> None:
        kept.append(body)

    return keep_parked


@asynccontextmanager
async def consuming_on_the_broker(
    runtime: ServiceRuntime, router: RabbitRouter
) -> AsyncIterator[ServiceRuntime]:
    """The service's runtime running for real (store open, topology declared, subscribers
    consuming on the broker of `runtime.settings.amqp_url`), stopped on exit."""
    runtime.broker.include_router(router)
    async with runtime.lifespan():
        yield runtime


async def publish_on_the_broker(runtime: ServiceRuntime, envelope: Envelope[M]) -> None:
    """Publish as another service's outbox relay would: exchange and routing key from the
    payload's class, persistent, confirmed."""
    payload = envelope.payload
    assert isinstance(payload, Event | Command), f"{type(payload).__name__} is no message"
    await publish_confirmed(runtime.broker, outbox_message(envelope, payload))


async def eventually(check: Callable[[], Awaitable[T]], within_seconds: float = 10.0) -> T:
    """Poll `check` until it returns something truthy (and return that) or time runs out."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {result!r} after {within_seconds} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def writer_held_open(uow: UnitOfWork) -> AsyncIterator[None]:
    """A write transaction open on `uow`'s store for as long as the block runs (on SQLite:
    the writers' lock and BEGIN IMMEDIATE), for tests that a read does not queue behind it:

        async with writer_held_open(uow):
            response = await asyncio.wait_for(client.get(...), timeout=2)
    """
    began, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with uow.begin(MessageContext("writer-held-open", uuid.uuid4())):
            began.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    waiting = asyncio.create_task(began.wait())
    await asyncio.wait({holder, waiting}, return_when=asyncio.FIRST_COMPLETED)
    try:
        if holder.done():
            waiting.cancel()
            holder.result()  # its error, if it could not begin
        yield
    finally:
        release.set()
        await holder


TEST_TIME = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SUPPORT_STATUSES: dict[str, TicketState] = {
    "new": TicketState.OPEN,
    "waiting": TicketState.OPEN,
    "done": TicketState.CLOSED,
}


def pipeline_snapshot(
    pipeline_id: str = "default",
    statuses: dict[str, TicketState] | None = None,
    *,
    label: str | None = None,
    archived: bool = False,
    required: dict[str, tuple[str, ...]] | None = None,
    rules: PipelineRules | None = None,
    access: PipelineAccess | None = None,
    at: datetime = TEST_TIME,
) -> PipelineSnapshot:
    """A pipeline as the pipeline service publishes it: statuses in the order given (id ->
    Open/Closed; default new, waiting, done), `required` status properties per status id."""
    return PipelineSnapshot(
        id=pipeline_id,
        label=label or pipeline_id.title(),
        display_order=0,
        statuses=[
            StatusSnapshot(
                id=status_id,
                label=status_id.title(),
                display_order=order,
                ticket_state=state,
                created_at=at,
                updated_at=at,
                properties=[
                    StatusProperty(name=name, required=True)
                    for name in (required or {}).get(status_id, ())
                ],
            )
            for order, (status_id, state) in enumerate((statuses or SUPPORT_STATUSES).items())
        ],
        created_at=at,
        updated_at=at,
        archived=archived,
        rules=rules or PipelineRules(),
        access=access or PipelineAccess(),
    )


def pipeline_lifecycle(pipeline_id: str = "default") -> list[PipelineSnapshotEvent]:
    """Every event a pipeline replica follows, in order: created (revision 1, label `v1`),
    updated (2, `v2`), deleted (3, `v2`, archived: the tombstone)."""
    return [
        PipelineCreated(revision=1, pipeline=pipeline_snapshot(pipeline_id, label="v1")),
        PipelineUpdated(revision=2, pipeline=pipeline_snapshot(pipeline_id, label="v2")),
        PipelineDeleted(
            revision=3, pipeline=pipeline_snapshot(pipeline_id, label="v2", archived=True)
        ),
    ]


def user_record(user_id: str = "7", *, active: bool = True, **fields: Any) -> UserRecord:
    """A directory user as `user.*` events carry it (a plain user unless told otherwise)."""
    return UserRecord(
        id=user_id,
        email=fields.pop("email", f"user{user_id}@example.com"),
        role_id=fields.pop("role_id", "3"),
        active=active,
        **fields,
    )


async def replicate_users(uow: UnitOfWork, *users: UserRecord, account_id: str = "a1") -> None:
    """Put `users` in a service's users replica (chassis directory_replica), as events would."""
    context = MessageContext.for_request(account_id)
    async with uow.begin(context) as session:
        replicas = DirectoryReplicas(session)
        for user in users:
            await replicas.apply_user(account_id, user, event_time(datetime.now(UTC)))
