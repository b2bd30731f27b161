"""A background loop woken on demand: runs its step the moment it is woken (a commit, a new
job), else every `poll_seconds` (to pick up what a crashed process left), and after a failed
step again in `retry_seconds`. The outbox relay and the services' job runners run on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# One pass of the worker; False (or an exception) means "try again soon".
Step = Callable[[], Awaitable[bool]]


class WakeableWorker:
    """`worker.start()` / `await worker.stop()` in a lifespan; `worker.wake()` from anywhere
    in the event loop."""

    def __init__(self, name: str, step: Step, *, poll_seconds: float, retry_seconds: float):
        self.name = name
        self._step = step
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                healthy = await self._step()
            except Exception:
                log.exception("%s failed; trying again in %.1fs", self.name, self._retry_seconds)
                healthy = False
            wait = self._poll_seconds if healthy else self._retry_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancels the step where it is: work not committed rolls back and is redone later."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
