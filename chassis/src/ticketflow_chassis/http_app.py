"""The FastAPI app every service serves: error body, correlation ids, health, its routers."""

from __future__ import annotations

from collections.abc import Sequence

import uvicorn
from fastapi import APIRouter, FastAPI

from ticketflow_chassis.health import build_health_router
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.logging import CorrelationIdMiddleware, configure_logging
from ticketflow_chassis.runtime import ServiceRuntime


def build_http_app(runtime: ServiceRuntime, *, title: str, routers: Sequence[APIRouter]) -> FastAPI:
    app = FastAPI(title=title, version="0.1.0", lifespan=runtime.lifespan)
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)
    app.include_router(
        build_health_router({"broker": runtime.broker_ready, "store": runtime.store.ping})
    )
    for router in routers:
        app.include_router(router)
    return app


def serve(app: FastAPI, runtime: ServiceRuntime) -> None:
    """Blocking: serve until SIGINT/SIGTERM (uvicorn handles both gracefully)."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )
