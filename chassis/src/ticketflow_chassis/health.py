"""Liveness (`GET /healthz`: the process answers, naming its instance) and readiness
(`GET /readyz`: every dependency check passes within its time limit) for orchestrators and
`ticketflow up`, which tells its own child from another process by the instance id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
DEFAULT_CHECK_TIMEOUT_SECONDS = 2.0


def build_health_router(
    checks: Mapping[str, Check],
    *,
    instance_id: str = "",
    timeout_seconds: float = DEFAULT_CHECK_TIMEOUT_SECONDS,
) -> APIRouter:
    """`checks` maps a name (shown in the /readyz body) to an async probe returning True
    when ready. A probe that raises, answers anything but True, or outlasts
    `timeout_seconds` counts as not ready. `/healthz` names `instance_id`: the id
    `ticketflow up` gave this process, so it tells its own child from whatever else holds
    the port."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "instance": instance_id}

    @router.get(
        "/readyz",
        summary="Every dependency is reachable",
        responses={503: {"description": "At least one check failed or timed out"}},
    )
    async def readyz() -> JSONResponse:
        names = list(checks)
        outcomes = await asyncio.gather(
            *(_passes(name, checks[name], timeout_seconds) for name in names)
        )
        results = dict(zip(names, outcomes, strict=True))
        ready = all(outcomes)
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router


async def _call(check: Check) -> bool:
    return await check()


def _discard_outcome(task: asyncio.Future[bool]) -> None:
    # Retrieve a late failure so asyncio does not report it as never retrieved.
    if not task.cancelled():
        task.exception()


async def _passes(name: str, check: Check, timeout_seconds: float) -> bool:
    # asyncio.wait rather than asyncio.timeout: a probe that ignores cancellation must not
    # hold the answer back, so a late probe is cancelled and left behind, not awaited.
    task = asyncio.ensure_future(_call(check))
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout_seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_discard_outcome)
        log.warning("readiness check %r took longer than %.1f s", name, timeout_seconds)
        return False
    if task.cancelled():
        log.warning("readiness check %r was cancelled", name)
        return False
    error = task.exception()
    if error is not None:
        log.warning("readiness check %r failed: %r", name, error)
        return False
    return task.result() is True
