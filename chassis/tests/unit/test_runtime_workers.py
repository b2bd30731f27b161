"""The runtime's background workers (`add_worker`): started in order inside the lifespan,
stopped in reverse, and those started are stopped when a later one fails to start."""

from __future__ import annotations

import asyncio

import pytest

from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.testing import TEST_JWT_SECRET


def runtime() -> ServiceRuntime:
    settings = ServiceSettings(
        service_name="demo", http_port=9, store_url="memory://", jwt_secret=TEST_JWT_SECRET
    )
    return ServiceRuntime(settings, (), ())


class Worker:
    def __init__(self, name: str, log: list[str], fails: bool = False):
        self.name, self.log, self.fails = name, log, fails

    def start(self) -> None:
        if self.fails:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


async def test_workers_run_inside_the_block_and_stop_in_reverse_order() -> None:
    service, log = runtime(), []
    for name in ("a", "b"):
        worker = Worker(name, log)
        service.add_worker(worker.start, worker.stop)

    async with service.workers():
        log.append("serving")

    assert log == ["start a", "start b", "serving", "stop b", "stop a"]


async def test_a_worker_that_fails_to_start_stops_those_started_before_it() -> None:
    service, log = runtime(), []
    first, broken = Worker("a", log), Worker("b", log, fails=True)
    service.add_worker(first.start, first.stop)
    service.add_worker(broken.start, broken.stop)

    with pytest.raises(RuntimeError, match="b cannot start"):
        async with service.workers():
            log.append("serving")

    assert log == ["start a", "stop a"]


async def test_a_worker_whose_start_is_awaitable_is_up_before_the_block_runs() -> None:
    service, log = runtime(), []

    async def bind_port() -> None:
        await asyncio.sleep(0)
        log.append("bound")

    async def close_port() -> None:
        log.append("closed")

    service.add_worker(bind_port, close_port)

    async with service.workers():
        log.append("serving")

    assert log == ["bound", "serving", "closed"]
