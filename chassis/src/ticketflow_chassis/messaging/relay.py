"""The outbox relay: publishes what units of work committed, in commit order.

Woken the moment a unit of work commits, so an event leaves within
milliseconds; the slow poll only catches what a crashed process left behind.
A message is removed from the outbox only after the broker confirmed it, so a
crash between commit and publish delays the event but never loses it (it may
be published twice; consumers' inboxes make that harmless).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ticketflow_chassis.store.port import DocumentStore, OutboxMessage
from ticketflow_chassis.worker import WakeableWorker

log = logging.getLogger(__name__)

Publish = Callable[[OutboxMessage], Awaitable[None]]


class OutboxRelay:
    def __init__(
        self,
        store: DocumentStore,
        publish: Publish,
        *,
        poll_seconds: float,
        batch_size: int,
        retry_seconds: float = 1.0,
    ):
        self._store = store
        self._publish = publish
        self._batch_size = batch_size
        self._worker = WakeableWorker(
            "outbox-relay",
            self._publish_pending,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
        )

    def wake(self) -> None:
        self._worker.wake()

    async def drain(self) -> int:
        """Publish everything pending now; returns how many messages left the outbox."""
        published = 0
        while batch := await self._store.outbox_batch(self._batch_size):
            await asyncio.gather(*(self._publish(entry.message) for entry in batch))
            await self._store.remove_from_outbox([entry.message.message_id for entry in batch])
            published += len(batch)
        return published

    async def _publish_pending(self) -> bool:
        await self.drain()
        return True

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
