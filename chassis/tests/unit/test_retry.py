"""Retry policies: a lost write race is tried again on a fresh read, a broker that is not up
yet is connected to again with growing delays; other errors are not retried."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from ticketflow_chassis.retry import conflict_retries, retry_connecting
from ticketflow_chassis.store.port import ConflictError

T = TypeVar("T")


def conflict() -> ConflictError:
    return ConflictError("things", "t1", expected=1, actual=2)


async def retry_on_conflict(work: Callable[[], Awaitable[T]], **policy: Any) -> T:
    return await conflict_retries(**policy)(work)


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
        await retry_on_conflict(work, attempts=4, first_delay=0.0001)
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
