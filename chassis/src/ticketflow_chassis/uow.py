"""Unit of work: state, outbox and inbox commit in one store transaction.

    async with uow.begin(context) as session:
        ticket = await session.get("tickets", ticket_id)
        await session.put("tickets", {...}, expected_version=ticket["version"])
        await session.record(TicketCreated(...))

On commit the outbox relay is woken, so the recorded messages leave within
milliseconds; a message being consumed passes its inbox key, and a redelivery
raises DuplicateMessage before any effect (the consumer acks it).

A unit of work that only reads opens `uow.read(context)` instead: one snapshot,
beside the writers; its session's put, save, delete and record raise ReadOnlyError.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from ticketflow_chassis.logging import current_correlation_id
from ticketflow_chassis.retry import TRANSIENT_RETRY_SECONDS, unit_of_work_retries
from ticketflow_chassis.store.port import (
    Document,
    DocumentStore,
    Filter,
    OutboxMessage,
    Page,
    Query,
    ReadOnlyError,
    Transaction,
)
from ticketflow_contracts import COMMANDS_EXCHANGE, EVENTS_EXCHANGE, Command, Envelope, Event

P = ParamSpec("P")
T = TypeVar("T")


# What a service keeps of its own messages in the same transaction that records them (a
# read model that must show every write path, without a round trip through the broker).
Projection = Callable[["Session", Envelope[Any], "Event | Command"], Awaitable[None]]


class DuplicateMessage(Exception):
    """The message was processed before: its effects are already committed."""


class UndeclaredMessage(ValueError):
    """A service recorded a message type it does not declare it publishes: its AsyncAPI
    document (generated from the declaration) would not show it."""


@dataclass(frozen=True)
class MessageContext:
    """Who the work is for and what caused it; copied into every envelope it records."""

    account_id: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    inbox_key: str | None = None

    @classmethod
    def for_request(cls, account_id: str, correlation_id: str | None = None) -> MessageContext:
        """For an HTTP request: its correlation id (bound by the middleware) or a new one."""
        return cls(account_id, _as_uuid(correlation_id or current_correlation_id()) or uuid.uuid4())

    @classmethod
    def across_accounts(cls) -> MessageContext:
        """For a background worker's scan of every account (pending jobs, say): it reads
        only, so its empty account is never recorded anywhere."""
        return cls("", uuid.uuid4())

    @classmethod
    def caused_by(cls, envelope: Envelope[Any], inbox_key: str) -> MessageContext:
        return cls(envelope.account_id, envelope.correlation_id, envelope.message_id, inbox_key)


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def utc_now() -> datetime:
    return datetime.now(UTC)


class Aggregate(Protocol):
    """What `Session.save` needs of an aggregate: the version it was read at (None when new)
    and the events its methods recorded since."""

    version: int | None

    @property
    def events(self) -> list[Any]: ...


class Session:
    """One transaction's view: documents plus `record` for outgoing messages."""

    def __init__(
        self,
        tx: Transaction,
        context: MessageContext,
        producer: str,
        now: datetime,
        publishes: frozenset[str] | None = None,
        *,
        read_only: bool = False,
        projections: Sequence[Projection] = (),
    ):
        self._tx = tx
        self._projections = projections
        self._read_only = read_only
        self._publishes = publishes
        self.context = context
        self._producer = producer
        self.now = now
        self.recorded: list[Envelope] = []
        self._unwritten: list[OutboxMessage] = []
        self._appended: dict[str, list[Document]] = {}

    async def get(self, collection: str, doc_id: str) -> Document | None:
        return await self._tx.get(collection, doc_id)

    async def put(
        self, collection: str, document: Document, *, expected_version: int | None
    ) -> Document:
        return await self._tx.put(collection, document, expected_version=expected_version)

    async def save(self, collection: str, aggregate: Aggregate, document: Document) -> Document:
        """Write `document` (the aggregate's state) at the version the aggregate was read at,
        record the events it collected, and clear them; the aggregate takes the new version.
        A concurrent writer makes this raise ConflictError, and nothing of it is written."""
        stored = await self._tx.put(collection, document, expected_version=aggregate.version)
        aggregate.version = stored["version"]
        for event in aggregate.events:
            await self.record(event)
        aggregate.events.clear()
        return stored

    async def delete(self, collection: str, doc_id: str, *, expected_version: int) -> None:
        await self._tx.delete(collection, doc_id, expected_version=expected_version)

    def append(self, collection: str, document: Document) -> None:
        """A new document written when the unit's block ends, with the others appended to
        the same collection in one write (`insert_many`): for records nothing reads back
        in the unit that makes them (timeline entries of a bulk move's 500 tickets). Its id
        must be new; a taken one fails the unit at its end, as a put would."""
        if self._read_only:
            raise ReadOnlyError("append")
        self._appended.setdefault(collection, []).append(document)

    async def find(self, collection: str, query: Query) -> Page:
        return await self._tx.find(collection, query)

    async def find_all(self, collection: str, query: Query) -> AsyncIterator[Document]:
        """Every match, page after page of `query.limit` (keyset paging from `query.after`)."""
        after = query.after
        while True:
            page = await self._tx.find(collection, replace(query, after=after))
            for document in page.items:
                yield document
            if page.next_after is None:
                return
            after = page.next_after

    async def count(
        self, collection: str, filters: tuple[Filter, ...] = (), *, limit: int | None = None
    ) -> int:
        """The number of matches, at most `limit` (the store stops reading there)."""
        return await self._tx.count(collection, filters, limit=limit)

    async def record(self, message: Event | Command) -> Envelope:
        """Add the message to the outbox of this transaction (written with the others when
        the unit of work's block ends: `write_outbox`)."""
        if self._read_only:
            raise ReadOnlyError("record")
        if self._publishes is not None and message.message_type() not in self._publishes:
            raise UndeclaredMessage(
                f"{self._producer} records {message.message_type()} but does not declare it"
            )
        envelope = Envelope(
            message_id=uuid.uuid4(),
            type=message.message_type(),
            version=message.version,
            occurred_at=self.now,
            account_id=self.context.account_id,
            correlation_id=self.context.correlation_id,
            causation_id=self.context.causation_id,
            producer=self._producer,
            payload=message.model_dump(mode="json"),
        )
        self._unwritten.append(outbox_message(envelope, message))
        self.recorded.append(envelope)
        for project in self._projections:
            await project(self, envelope, message)
        return envelope

    async def write_appended(self) -> None:
        """The documents appended since the last call, one write per collection."""
        appended, self._appended = self._appended, {}
        for collection, documents in appended.items():
            await self._tx.insert_many(collection, documents)

    async def write_outbox(self) -> None:
        """The messages recorded since the last call, in one outbox write."""
        unwritten, self._unwritten = self._unwritten, []
        if unwritten:
            await self._tx.add_to_outbox(*unwritten)


def outbox_message(envelope: Envelope[Any], message: Event | Command) -> OutboxMessage:
    """What the relay publishes for `message` in `envelope`: events on the events exchange
    under their (source-suffixed) routing key, commands on the commands exchange by type."""
    exchange = EVENTS_EXCHANGE if isinstance(message, Event) else COMMANDS_EXCHANGE
    return OutboxMessage(
        message_id=str(envelope.message_id),
        exchange=exchange,
        routing_key=message.routing_key(),
        body=envelope.model_dump_json().encode(),
        headers={"type": envelope.type, "correlation_id": str(envelope.correlation_id)},
        ordering_key=ordering_key(envelope, message),
    )


def ordering_key(envelope: Envelope[Any], message: Event | Command) -> str:
    """`<account>/<prefix>/<aggregate id>` (`acct-1/ticket/t-9`), or the account alone for a
    message about no one thing. The relay keeps the messages of one key in order and lets
    one that cannot leave hold back only those: the routing key alone would let a stuck
    command hold back every ticket of every account, the account alone all of its tickets."""
    aggregate_id = message.aggregate_id()
    if aggregate_id is None:
        return envelope.account_id
    return f"{envelope.account_id}/{message.prefix}/{aggregate_id}"


# Set while `UnitOfWork.retrying` runs its work: a handler that another one calls does not
# retry on its own (the retries would multiply); the outermost repeats the whole.
_retrying: ContextVar[bool] = ContextVar("ticketflow_uow_retrying", default=False)


class UnitOfWork:
    def __init__(
        self,
        store: DocumentStore,
        producer: str,
        on_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utc_now,
        publishes: frozenset[str] | None = None,
        *,
        transient_retry_seconds: float = TRANSIENT_RETRY_SECONDS,
    ):
        """`publishes`: the message types this service may record (None: any, for tests)."""
        self.store = store
        self._publishes = publishes
        self._producer = producer
        self._on_commit = on_commit
        self._clock = clock
        self._transient_retry_seconds = transient_retry_seconds
        self._projections: list[Projection] = []

    def notify_on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    def project_with(self, projection: Projection) -> None:
        """Run `projection(session, envelope, message)` for every message a unit of work
        records, inside its transaction: what it writes commits, or not, with the message."""
        self._projections.append(projection)

    async def retrying(
        self, work: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `work` (a handler's body, which opens its unit of work) again from the start
        when the unit lost a write race or the store aborted it for a transient reason
        (`retry.unit_of_work_retries`); the last error propagates. Every writing handler
        runs this way:

            async def create_property(command, uow, context):
                return await uow.retrying(_create_once, command, uow, context)

        Called inside another `retrying`, it runs `work` once: the outer one repeats it."""
        if _retrying.get():
            return await work(*args, **kwargs)
        token = _retrying.set(True)
        try:
            policy = unit_of_work_retries(transient_seconds=self._transient_retry_seconds)
            return await policy(work, *args, **kwargs)
        finally:
            _retrying.reset(token)

    @asynccontextmanager
    async def begin(self, context: MessageContext) -> AsyncIterator[Session]:
        async with self.store.transaction() as tx:
            if context.inbox_key is not None and not await tx.mark_processed(context.inbox_key):
                raise DuplicateMessage(context.inbox_key)
            session = Session(
                tx,
                context,
                self._producer,
                self._clock(),
                self._publishes,
                projections=self._projections,
            )
            yield session
            await session.write_appended()
            await session.write_outbox()
        if session.recorded:
            self._on_commit()

    @asynccontextmanager
    async def read(self, context: MessageContext) -> AsyncIterator[Session]:
        """A read-only unit of work (`store.read()`). It writes no inbox mark: having no
        effects, it has nothing for a redelivery to repeat."""
        async with self.store.read() as tx:
            yield Session(
                tx, context, self._producer, self._clock(), self._publishes, read_only=True
            )
