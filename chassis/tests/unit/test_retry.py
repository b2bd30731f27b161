"""Retry policies: a lost write race is tried again on a fresh read a few times, a unit of work
the store aborted for a transient reason again for a bounded time, a broker that is not up
yet is connected to again with growing delays; other errors are not retried."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from ticketflow_chassis.retry import retry_connecting, unit_of_work_retries
from ticketflow_chassis.store.port import ConcurrentWriteError, ConflictError, TransientStoreError

T = TypeVar("T")


def conflict() -> ConflictError:
    return ConflictError("things", "t1", expected=1, actual=2)


async def retry_on_conflict(work: Callable[[], Awaitable[T]], **policy: Any) -> T:
    return await unit_of_work_retries(**policy)(work)


async def test_a_unit_of_work_that_lost_a_race_is_run_again_until_it_wins() -> None:
    attempts: list[int] = []

    async def work() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise conflict()
        return "done"

    assert await retry_on_conflict(work, first_delay=0.0001) == "done"
    assert attempts == [1, 2, 3]


async def test_the_last_conflict_propagates_after_the_attempts() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        raise conflict()

    with pytest.raises(ConflictError):
        await retry_on_conflict(work, conflict_attempts=4, first_delay=0.0001)
    assert calls == 4


async def test_an_error_other_than_a_conflict_is_not_retried() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        await retry_on_conflict(work, first_delay=0.0001)
    assert calls == 1


async def test_a_transiently_aborted_unit_of_work_is_run_again_past_the_conflict_attempts() -> None:
    attempts = 0

    async def work() -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 10:  # an election: more failures than a write race ever gets
            raise ConcurrentWriteError("things", "t1") if attempts % 2 else TransientStoreError()
        return "done"

    policy = {"transient_seconds": 5.0, "conflict_attempts": 3, "first_delay": 0.0001}
    assert await retry_on_conflict(work, **policy) == "done"
    assert attempts == 10


async def test_transient_errors_are_retried_only_for_the_bounded_time() -> None:
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        raise TransientStoreError("no primary")

    started = time.monotonic()
    with pytest.raises(TransientStoreError, match="no primary"):
        await retry_on_conflict(work, transient_seconds=0.2, first_delay=0.01)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2.0
    assert attempts > 2


async def test_connecting_is_retried_with_doubling_delays_then_gives_up() -> None:
    retries: list[tuple[int, str, float]] = []

    async def connect() -> None:
        raise ConnectionRefusedError("nobody listens")

    with pytest.raises(ConnectionRefusedError):
        await retry_connecting(
            connect,
            attempts=4,
            first_delay=0.001,
            on_retry=lambda attempt, error, delay: retries.append((attempt, str(error), delay)),
        )
    assert [attempt for attempt, _, _ in retries] == [1, 2, 3]
    assert [delay for _, _, delay in retries] == [0.001, 0.002, 0.004]
    assert {error for _, error, _ in retries} == {"nobody listens"}


async def test_connecting_stops_retrying_once_it_succeeds() -> None:
    calls = 0

    async def connect() -> None:
        nonlocal calls
        calls += 1
        if calls < 2:
            raise OSError("network unreachable")

    await retry_connecting(connect, attempts=5, first_delay=0.0001)
    assert calls == 2
