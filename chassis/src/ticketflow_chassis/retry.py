"""Retrying with backoff, on tenacity: a unit of work that lost a write race or that the store
aborted, a broker that is not up yet. One place for the policies, so every service backs off
the same way."""

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

from ticketflow_chassis.store.port import ConflictError, TransientStoreError

CONFLICT_ATTEMPTS = 6
FIRST_DELAY_SECONDS = 0.01
LONGEST_DELAY_SECONDS = 1.0
TRANSIENT_RETRY_SECONDS = 30.0


def unit_of_work_retries(
    *,
    transient_seconds: float = TRANSIENT_RETRY_SECONDS,
    conflict_attempts: int = CONFLICT_ATTEMPTS,
    first_delay: float = FIRST_DELAY_SECONDS,
) -> AsyncRetrying:
    """The policy of `UnitOfWork.retrying`: run a unit of work again from the start

    - when it lost a write race (ConflictError: another writer changed what it read), up to
      `conflict_attempts` times in all: each attempt reads afresh, and a race lost that often
      is a real conflict, answered 409;
    - when the store aborted it for a transient reason (TransientStoreError: a write conflict
      inside MongoDB, a failover, a lost connection, a lock held too long), for up to
      `transient_seconds`: long enough for a replica-set election (about 10-12 s), shorter
      than an HTTP client's patience.

    Full jitter (random waits doubling from `first_delay`, at most a second) keeps writers
    that back off together from colliding again. The last attempt's error propagates."""
    return AsyncRetrying(
        retry=retry_if_exception_type((ConflictError, TransientStoreError)),
        stop=_given_up(transient_seconds, conflict_attempts),
        wait=wait_random_exponential(multiplier=first_delay, max=LONGEST_DELAY_SECONDS),
        reraise=True,
    )


def _given_up(transient_seconds: float, conflict_attempts: int) -> Callable[[RetryCallState], bool]:
    def given_up(state: RetryCallState) -> bool:
        if isinstance(_error_of(state), TransientStoreError):
            return (state.seconds_since_start or 0.0) >= transient_seconds
        return state.attempt_number >= conflict_attempts

    return given_up


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
