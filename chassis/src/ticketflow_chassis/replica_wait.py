"""Waiting a bounded time for a replica to catch up: a request that names something another
service answered for a moment ago (an owner, a pipeline) may arrive before its event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork

POLL_SECONDS = 0.05


async def wait_for_replica(
    uow: UnitOfWork,
    context: MessageContext,
    present: Callable[[Session], Awaitable[bool]],
    *,
    seconds: float,
    poll_seconds: float = POLL_SECONDS,
) -> bool:
    """Read `present` until it holds or `seconds` have passed; whether it holds. Each look is
    its own read, outside any writing unit of work, so the wait holds no writer's lock; the
    caller's unit of work then checks again and refuses what is still missing."""
    deadline = time.monotonic() + seconds
    while True:
        async with uow.read(context) as session:
            if await present(session):
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(poll_seconds)
