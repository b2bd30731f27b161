"""The outbox relay: publishes what units of work committed, in order per ordering key.

Woken the moment a unit of work commits, so an event leaves within
milliseconds; the slow poll only catches what a crashed process left behind.
A message is removed from the outbox only after the broker confirmed it, so a
crash between commit and publish delays the event but never loses it (it may
be published twice; consumers' inboxes make that harmless).

The messages of one ordering key (uow.ordering_key) leave one after another, different
keys side by side. A message the broker refuses (a command nobody's queue is bound for)
is tried again after 1 s, 2 s, 4 s ... up to `retry_max_seconds`, and parked after
`max_attempts` failures (`ticketflow outbox list --parked`, `ticketflow outbox replay`);
meanwhile it holds back only the later messages of its own key. A ConnectionError is the
broker's trouble, not the message's: it counts no attempt, and the pass ends, to be tried
again in `retry_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from ticketflow_chassis.store.port import DocumentStore, OutboxEntry, OutboxMessage
from ticketflow_chassis.uow import utc_now
from ticketflow_chassis.worker import WakeableWorker

log = logging.getLogger(__name__)

Publish = Callable[[OutboxMessage], Awaitable[None]]


def backoff_seconds(failures: int, most: float) -> float:
    """1 s after the first failure, doubling after each further one, at most `most`."""
    return float(min(most, 2.0 ** min(failures - 1, 62)))


class OutboxRelay:
    def __init__(
        self,
        store: DocumentStore,
        publish: Publish,
        *,
        poll_seconds: float,
        batch_size: int,
        retry_seconds: float = 1.0,
        max_attempts: int = 15,
        retry_max_seconds: float = 300.0,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._store = store
        self._publish = publish
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._retry_max_seconds = retry_max_seconds
        self._clock = clock
        self._worker = WakeableWorker(
            "outbox-relay",
            self._publish_pending,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
        )

    def wake(self) -> None:
        self._worker.wake()

    async def drain(self) -> int:
        """Publish everything due now; returns how many messages left the outbox. Raises
        the ConnectionError of a broker that is unavailable, after removing what it confirmed.

        Every pass ends each entry it took: confirmed (removed), failed (due later, or
        parked) or stopped by the broker (raised), so the loop ends."""
        published = 0
        while batch := await self._store.outbox_due(self._batch_size, self._clock()):
            published += await self._publish_batch(batch)
        return published

    async def _publish_batch(self, batch: Sequence[OutboxEntry]) -> int:
        by_key: dict[str, list[OutboxEntry]] = {}
        for entry in batch:
            by_key.setdefault(entry.message.ordering_key, []).append(entry)
        confirmed: list[str] = []
        outcomes = await asyncio.gather(
            *(self._publish_in_order(entries, confirmed) for entries in by_key.values())
        )
        await self._store.remove_from_outbox(confirmed)
        broker_trouble = next((o for o in outcomes if o is not None), None)
        if broker_trouble is not None:
            raise broker_trouble
        return len(confirmed)

    async def _publish_in_order(
        self, entries: Sequence[OutboxEntry], confirmed: list[str]
    ) -> ConnectionError | None:
        """One key's entries until the first that fails; returns a ConnectionError met."""
        for entry in entries:
            try:
                await self._publish(entry.message)
            except ConnectionError as exc:
                return exc
            except Exception as exc:
                await self._failed(entry, exc)
                return None
            confirmed.append(entry.message.message_id)
        return None

    async def _failed(self, entry: OutboxEntry, exc: Exception) -> None:
        now = self._clock()
        failures = entry.attempts + 1
        error = f"{type(exc).__name__}: {exc}"
        message = entry.message
        if failures >= self._max_attempts:
            log.error(
                "outbox message %s (%s) parked after %d failed publishes: %s",
                message.message_id,
                message.routing_key,
                failures,
                error,
            )
            await self._store.outbox_failed(message.message_id, error, retry_at=None, now=now)
            return
        delay = backoff_seconds(failures, self._retry_max_seconds)
        log.warning(
            "outbox message %s (%s) not published (%s); attempt %d of %d in %.0fs",
            message.message_id,
            message.routing_key,
            error,
            failures + 1,
            self._max_attempts,
            delay,
        )
        retry_at = now + timedelta(seconds=delay)
        await self._store.outbox_failed(message.message_id, error, retry_at=retry_at, now=now)

    async def _publish_pending(self) -> bool:
        try:
            await self.drain()
        except ConnectionError as exc:
            log.warning("outbox relay: the broker is unavailable (%s); trying again soon", exc)
            return False
        return True

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
