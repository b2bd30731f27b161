"""Composition root of the notifier service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_notifier.adapters.repository import COLLECTIONS
from ticketflow_notifier.entrypoints.http import build_api_router
from ticketflow_notifier.entrypoints.subscribers import QUEUES, build_router
from ticketflow_notifier.settings import NotifierSettings


def build_app(settings: NotifierSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES)
    return build_http_app(
        runtime,
        title="ticketflow notifier service",
        routers=[build_api_router(runtime.uow, runtime.tokens)],
        broker_routers=[build_router(runtime)],
    )


def main() -> None:
    serve(build_app, NotifierSettings)
