"""The FastAPI app every service serves: error body, correlation ids, health, its routers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import uvicorn
from fastapi import APIRouter, FastAPI
from faststream.rabbit import RabbitRouter

from ticketflow_chassis.health import build_health_router
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.http_limits import BodySizeLimitMiddleware
from ticketflow_chassis.http_openapi import DocumentedFastAPI
from ticketflow_chassis.logging import CorrelationIdMiddleware, configure_logging
from ticketflow_chassis.messaging.asyncapi import asyncapi_document
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import (
    EXIT_CONFIGURATION,
    ConfigurationError,
    ServiceSettings,
    load_settings,
)

S = TypeVar("S", bound=ServiceSettings)


def build_http_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: Sequence[APIRouter],
    broker_routers: Sequence[RabbitRouter] = (),
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """The service's app; its lifespan runs the runtime, kept in `app.state.runtime`.
    `body_limits`: paths whose request bodies may be larger (or must be smaller) than the
    settings' `max_body_bytes`, with their own cap."""
    for broker_router in broker_routers:
        runtime.broker.include_router(broker_router)
    app = DocumentedFastAPI(title=title, version="0.1.0", lifespan=runtime.lifespan)
    app.state.runtime = runtime
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=runtime.settings.max_body_bytes,
        limits_by_path=body_limits,
    )
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)
    app.include_router(
        build_health_router(
            {"broker": runtime.broker_ready, "store": runtime.store.ping},
            instance_id=runtime.settings.instance_id,
        )
    )
    for router in routers:
        app.include_router(router)

    @app.get("/asyncapi.json", tags=["documentation"])
    async def asyncapi() -> dict[str, Any]:
        """The events this service publishes and the queues it consumes (AsyncAPI 3.0)."""
        return asyncapi_document(runtime.broker, title)

    return app


def serve(build_app: Callable[[S], FastAPI], settings_class: type[S]) -> None:
    """Blocking: load the settings (a bad value stops start-up naming its variable), build
    the app, serve until SIGINT/SIGTERM (uvicorn handles both gracefully)."""
    try:
        settings = load_settings(settings_class)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(EXIT_CONFIGURATION) from None
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        build_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )
