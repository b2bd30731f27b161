"""What a service runs on, built from its settings: store, broker, unit of work, relay.

A service's `build_app(settings)` builds one ServiceRuntime, subscribes its
queues, adds its routers and takes `runtime.lifespan` for its FastAPI app:
open the store, connect the broker (with backoff), declare the topology, start
consuming, start the relay and the inbox expiry, start the service's workers
(`add_worker`); stop in reverse order.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from faststream.rabbit import Channel, RabbitBroker

from ticketflow_chassis.auth import TokenCodec
from ticketflow_chassis.inbox_expiry import InboxExpiry
from ticketflow_chassis.messaging.asyncapi import document_publications
from ticketflow_chassis.messaging.consuming import QueueConsumer, consumers_router
from ticketflow_chassis.messaging.publishing import publish_confirmed
from ticketflow_chassis.messaging.relay import OutboxRelay
from ticketflow_chassis.messaging.topology import QueueSpec, declare_topology
from ticketflow_chassis.retry import retry_connecting
from ticketflow_chassis.revocations import (
    REVOCATIONS_COLLECTION,
    Revocations,
    RevocationsRefresher,
    revocations_queue,
    subscribe_revocations,
)
from ticketflow_chassis.settings import ServiceSettings, redacted
from ticketflow_chassis.store.factory import open_store_for
from ticketflow_chassis.store.port import Collection, OutboxMessage
from ticketflow_chassis.token_uses import TokenUseReporter, TokenUses
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import Message, TokenUsed

log = logging.getLogger(__name__)


# A background worker of the service (a job runner, say): started like the relay, stopped
# (awaited) before it. A start that must finish before the service is up (a listener
# binding its port) returns an awaitable, which start-up awaits.
StartWorker = Callable[[], Awaitable[None] | None]
StopWorker = Callable[[], Awaitable[None]]


class BrokerUnavailable(ConnectionError):
    """Start-up gave up connecting to RabbitMQ."""


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        collections: tuple[Collection, ...],
        queues: tuple[QueueSpec, ...],
        publishes: tuple[type[Message], ...] = (),
    ):
        self.settings = settings
        # Every service reports the API tokens it accepted (token_uses.py).
        publishes = (*publishes, TokenUsed)
        # Every service refuses revoked API tokens: its own queue and collection for them.
        self.collections = (*collections, REVOCATIONS_COLLECTION)
        revocations = revocations_queue(settings.service_name)
        self.queues = (*queues, revocations)
        self.store = open_store_for(
            settings.resolved_store_url(),
            settings.resolved_mongo_database(),
            sqlite_synchronous=settings.sqlite_synchronous,
            sqlite_readers=settings.sqlite_readers,
            sqlite_cache_mib=settings.sqlite_cache_mib,
            commit_retry_seconds=settings.store_retry_seconds,
            inbox_retention=timedelta(days=settings.inbox_retention_days),
        )
        self.broker = RabbitBroker(
            settings.amqp_url,
            app_id=settings.service_name,
            # Publishing waits for the broker's confirm (the relay relies on it); a returned
            # mandatory message (an unroutable command) raises.
            default_channel=Channel(publisher_confirms=True, on_return_raises=True),
            log_level=logging.DEBUG,
            reconnect_interval=2.0,
        )
        self.relay = OutboxRelay(
            self.store,
            self._publish,
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
            max_attempts=settings.outbox_max_attempts,
            retry_max_seconds=settings.outbox_retry_max_seconds,
        )
        self.inbox_expiry = InboxExpiry(self.store, timedelta(days=settings.inbox_retention_days))
        self.uow = UnitOfWork(
            self.store,
            settings.service_name,
            on_commit=self.relay.wake,
            publishes=frozenset(m.message_type() for m in publishes),
            transient_retry_seconds=settings.store_retry_seconds,
        )
        self.revocations = Revocations()
        self.token_uses = TokenUses()
        self.token_use_reporter = TokenUseReporter(
            self.token_uses, self.uow, every_seconds=settings.token_use_report_seconds
        )
        self.tokens = TokenCodec(
            settings.jwt_secret.get_secret_value(),
            settings.jwt_issuer,
            revoked=self.revocations,
            uses=self.token_uses,
        )
        self.revocations_refresher = RevocationsRefresher(self.store, self.revocations)
        revocations_consumer = self.consumer(revocations)
        subscribe_revocations(revocations_consumer, self.uow, self.revocations)
        self.broker.include_router(consumers_router(revocations_consumer))
        self._workers: list[tuple[StartWorker, StopWorker]] = []
        self._start_steps: list[Callable[[], Awaitable[object]]] = []
        document_publications(self.broker, publishes)

    async def _publish(self, message: OutboxMessage) -> None:
        await publish_confirmed(self.broker, message)

    def consumer(self, queue: QueueSpec) -> QueueConsumer:
        """The consumer of one of this service's queues; its subscribers are added with
        `@consumer.on(MessageClass)` and its router is included with `consumers_router`."""
        if queue not in self.queues:
            raise ValueError(f"queue {queue.name} is not part of this service's topology")
        return QueueConsumer(
            queue, self._publish, self.settings.delivery_limit, self.settings.consumer_prefetch
        )

    def add_start_step(self, step: Callable[[], Awaitable[object]]) -> None:
        """Run `step` once the store is open, before the service consumes or serves (a data
        upgrade, say); start-up fails if it raises."""
        self._start_steps.append(step)

    def add_worker(self, start: StartWorker, stop: StopWorker) -> None:
        """Run a background worker while the service runs: started after the broker and the
        relay, stopped before them, in reverse order of adding."""
        self._workers.append((start, stop))

    @asynccontextmanager
    async def workers(self) -> AsyncIterator[None]:
        """The added workers, running inside the block; those started are stopped however the
        block ends (also when a later one fails to start)."""
        started: list[StopWorker] = []
        try:
            for start, stop in self._workers:
                starting = start()
                if starting is not None:
                    await starting
                started.append(stop)
            yield
        finally:
            for stop in reversed(started):
                await stop()

    async def broker_ready(self) -> bool:
        return bool(await self.broker.ping(timeout=1.0))

    async def connect_with_backoff(self, attempts: int = 8, first_delay: float = 0.5) -> None:
        url = redacted(self.settings.amqp_url)

        def log_retry(attempt: int, error: BaseException, delay: float) -> None:
            log.warning(
                "RabbitMQ at %s unreachable (%s); retry %d/%d in %.1fs",
                url,
                error,
                attempt,
                attempts,
                delay,
            )

        try:
            await retry_connecting(
                self.broker.connect,
                attempts=attempts,
                first_delay=first_delay,
                on_retry=log_retry,
            )
        except (ConnectionError, OSError) as exc:
            raise BrokerUnavailable(
                f"RabbitMQ at {url} is unreachable after {attempts} attempts: {exc}"
            ) from exc

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        await self.store.open(self.collections)
        try:
            for step in self._start_steps:
                await step()
            await self.connect_with_backoff()
            await declare_topology(self.broker, self.queues, self.settings.delivery_limit)
            await self.broker.start()
            self.relay.start()
            self.inbox_expiry.start()
            await self.revocations_refresher.load()
            self.revocations_refresher.start()
            self.token_use_reporter.start()
            freeze_startup_heap()
            try:
                async with self.workers():
                    yield
            finally:
                await self.token_use_reporter.stop()
                await self.revocations_refresher.stop()
                await self.inbox_expiry.stop()
                await self.relay.stop()
        finally:
            await self.broker.stop()
            await self.store.close()


def freeze_startup_heap() -> None:
    """Move every object alive once the service has started (modules, the app, schemas,
    the broker's and the store's state) out of the garbage collector's reach for good.
    Each full collection scanned them all again: a pause of tens of milliseconds every few
    hundred requests, which was the p99 of a status change at 1,000,000 tickets (70-105 ms
    -> 33-41 ms at concurrency 10, bench/RESULTS.md). Objects made later are collected as
    before."""
    gc.collect()
    gc.freeze()
