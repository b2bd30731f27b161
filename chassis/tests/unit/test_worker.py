"""The wakeable worker: a wake runs its step at once, the poll catches up without a wake, a
failing step is tried again after the retry delay, and stopping ends the loop."""

from __future__ import annotations

import asyncio

from ticketflow_chassis.worker import WakeableWorker


async def wait_for_runs(runs: list[float], count: int) -> None:
    async def enough() -> None:
        while len(runs) < count:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(enough(), 5)


async def test_a_wake_runs_the_step_at_once_instead_of_waiting_for_the_poll() -> None:
    runs: list[float] = []

    async def step() -> bool:
        runs.append(asyncio.get_running_loop().time())
        return True

    worker = WakeableWorker("test", step, poll_seconds=60, retry_seconds=60)
    worker.start()
    try:
        await wait_for_runs(runs, 1)
        worker.wake()
        await wait_for_runs(runs, 2)
    finally:
        await worker.stop()
    assert runs[1] - runs[0] < 1


async def test_the_poll_runs_the_step_without_a_wake() -> None:
    runs: list[float] = []

    async def step() -> bool:
        runs.append(asyncio.get_running_loop().time())
        return True

    worker = WakeableWorker("test", step, poll_seconds=0.02, retry_seconds=60)
    worker.start()
    try:
        await wait_for_runs(runs, 3)
    finally:
        await worker.stop()
    assert len(runs) >= 3


async def test_a_failing_step_is_tried_again_after_the_retry_delay() -> None:
    runs: list[float] = []

    async def step() -> bool:
        runs.append(asyncio.get_running_loop().time())
        if len(runs) == 1:
            raise RuntimeError("store unavailable")
        return len(runs) > 2

    worker = WakeableWorker("test", step, poll_seconds=60, retry_seconds=0.01)
    worker.start()
    try:
        await wait_for_runs(runs, 3)
    finally:
        await worker.stop()
    assert len(runs) == 3


async def test_stopping_ends_the_loop_and_a_second_stop_is_harmless() -> None:
    runs: list[float] = []

    async def step() -> bool:
        runs.append(0.0)
        return True

    worker = WakeableWorker("test", step, poll_seconds=0.01, retry_seconds=0.01)
    worker.start()
    await wait_for_runs(runs, 1)
    await worker.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    await worker.stop()
    assert len(runs) == stopped_at
