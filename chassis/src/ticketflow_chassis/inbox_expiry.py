"""Inbox expiry: forgets the processed message ids older than the retention (hourly, and once
at start), so that the inbox does not grow forever. A redelivery comes within minutes, not
days (RabbitMQ redelivers unacked messages at once; a DLQ replay is the operator's choice).
On MongoDB a TTL index does the same by itself; this worker then only tidies up after it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ticketflow_chassis.store.port import DocumentStore
from ticketflow_chassis.uow import utc_now
from ticketflow_chassis.worker import WakeableWorker

log = logging.getLogger(__name__)

HOURLY = 3600.0


class InboxExpiry:
    """`expiry.start()` / `await expiry.stop()` in a lifespan."""

    def __init__(
        self,
        store: DocumentStore,
        retention: timedelta,
        *,
        every_seconds: float = HOURLY,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._store = store
        self._retention = retention
        self._clock = clock
        self._worker = WakeableWorker(
            "inbox-expiry", self._expire, poll_seconds=every_seconds, retry_seconds=60.0
        )

    async def expire_now(self) -> int:
        """Forget the marks older than the retention; returns how many went."""
        return await self._store.expire_processed(self._clock() - self._retention)

    async def _expire(self) -> bool:
        expired = await self.expire_now()
        if expired:
            log.info(
                "inbox: forgot %d processed message ids older than %s", expired, self._retention
            )
        return True

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
