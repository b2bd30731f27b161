"""Retrying with backoff, on tenacity: a unit of work that lost a write race, a broker that is
not up yet. One place for the policies, so every service backs off the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random_exponential,
)

from ticketflow_chassis.store.port import ConflictError

CONFLICT_ATTEMPTS = 6
CONFLICT_FIRST_DELAY_SECONDS = 0.01


def conflict_retries(
    *, attempts: int = CONFLICT_ATTEMPTS, first_delay: float = CONFLICT_FIRST_DELAY_SECONDS
) -> AsyncRetrying:
    """Run a unit of work again when it lost a write race; the last attempt's ConflictError
    propagates. Each attempt opens its own unit of work, so it reads afresh. A function:

        return await conflict_retries()(_create_once, command, uow, context)

    or a block:

        async for attempt in conflict_retries():
            with attempt:
                async with uow.begin(context) as session:
                    ...

    MongoDB aborts one of two transactions that write the same document (a pipeline's gate,
    say); full jitter keeps writers that back off together from colliding again."""
    return AsyncRetrying(
        retry=retry_if_exception_type(ConflictError),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=first_delay),
        reraise=True,
    )


async def retry_connecting(
    connect: Callable[[], Awaitable[object]],
    *,
    attempts: int,
    first_delay: float,
    max_delay: float = 10.0,
    on_retry: Callable[[int, BaseException, float], None] = lambda *_: None,
) -> None:
    """Call `connect` until it succeeds, doubling the delay after each ConnectionError or
    OSError; the last attempt's error propagates. `on_retry(attempt, error, delay)` logs."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((ConnectionError, OSError)),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=first_delay, min=first_delay, max=max_delay),
        before_sleep=lambda state: on_retry(
            state.attempt_number, _error_of(state), state.upcoming_sleep
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            await connect()


def _error_of(state: RetryCallState) -> BaseException:
    error = state.outcome.exception() if state.outcome is not None else None
    return error if error is not None else RuntimeError("attempt failed without an error")
