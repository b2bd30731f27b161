"""Running a unit of work again when it lost a write race: MongoDB aborts one of two
transactions that write the same document (a pipeline's gate, say) with a ConflictError."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ticketflow_chassis.store.port import ConflictError

T = TypeVar("T")

ATTEMPTS = 6
FIRST_DELAY_SECONDS = 0.005


async def retry_on_conflict(
    work: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    first_delay: float = FIRST_DELAY_SECONDS,
) -> T:
    """`await retry_on_conflict(lambda: create_once(...))`: `work` must open its own unit of
    work, so that each attempt reads afresh. The last attempt's ConflictError propagates."""
    for attempt in range(1, attempts):
        try:
            return await work()
        except ConflictError:
            # Full jitter: writers that all back off equally long would collide again.
            await asyncio.sleep(random.uniform(0, first_delay * 2**attempt))
    return await work()
