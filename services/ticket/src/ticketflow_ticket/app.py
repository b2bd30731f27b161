"""Composition root of the ticket service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import load_settings
from ticketflow_ticket.adapters.http import build_api_router
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.adapters.subscribers import QUEUES, build_router
from ticketflow_ticket.settings import TicketSettings


def build_app(settings: TicketSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES)
    runtime.broker.include_router(build_router(runtime))
    app = build_http_app(
        runtime,
        title="ticketflow ticket service",
        routers=[build_api_router(runtime.uow, runtime.tokens)],
    )
    app.state.runtime = runtime
    return app


def main() -> None:
    settings = load_settings(TicketSettings)
    app = build_app(settings)
    serve(app, app.state.runtime)
