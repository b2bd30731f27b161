"""/healthz says the process is alive and which instance it is; /readyz says whether every
dependency check passes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx
from fastapi import FastAPI

from ticketflow_chassis.health import build_health_router
from ticketflow_chassis.http_app import build_http_app
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.testing import TEST_JWT_SECRET

Check = Callable[[], Awaitable[bool]]


async def passing() -> bool:
    return True


async def failing() -> bool:
    return False


async def raising() -> bool:
    raise ConnectionError("store unreachable")


async def get(
    path: str, checks: Mapping[str, Check], *, timeout_seconds: float = 2.0
) -> httpx.Response:
    app = FastAPI()
    app.include_router(build_health_router(checks, timeout_seconds=timeout_seconds))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_healthz_is_ok_even_when_dependencies_are_down() -> None:
    response = await get("/healthz", {"store": failing})

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "instance": ""}


async def test_healthz_echoes_the_instance_id_the_service_was_started_with() -> None:
    settings = ServiceSettings(
        service_name="demo",
        http_port=9,
        store_url="memory://",
        instance_id="run-7f3a",
        jwt_secret=TEST_JWT_SECRET,
    )
    app = build_http_app(ServiceRuntime(settings, (), ()), title="demo", routers=[])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "instance": "run-7f3a"}


async def test_readyz_is_ready_when_every_check_passes() -> None:
    response = await get("/readyz", {"broker": passing, "store": passing})

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"broker": True, "store": True}}


async def test_readyz_is_not_ready_when_a_check_fails() -> None:
    response = await get("/readyz", {"broker": failing, "store": passing})

    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "checks": {"broker": False, "store": True}}


async def test_a_check_that_raises_counts_as_not_ready_instead_of_a_500() -> None:
    response = await get("/readyz", {"broker": passing, "store": raising})

    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "checks": {"broker": True, "store": False}}


async def test_a_slow_check_counts_as_not_ready_after_the_timeout() -> None:
    cancelled = asyncio.Event()

    async def slow() -> bool:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return True

    started = time.monotonic()
    response = await get("/readyz", {"broker": passing, "store": slow}, timeout_seconds=0.05)

    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "checks": {"broker": True, "store": False}}
    await asyncio.wait_for(cancelled.wait(), timeout=1)


async def test_a_check_that_ignores_cancellation_cannot_hold_the_answer_back() -> None:
    release = asyncio.Event()

    async def stubborn() -> bool:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await release.wait()
        return True

    # wait_for turns a regression into a failure rather than a hung test run.
    response = await asyncio.wait_for(
        get("/readyz", {"store": stubborn}, timeout_seconds=0.05), timeout=5
    )
    release.set()
    await asyncio.sleep(0)

    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "checks": {"store": False}}


async def test_readyz_with_no_checks_is_ready() -> None:
    response = await get("/readyz", {})

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {}}
