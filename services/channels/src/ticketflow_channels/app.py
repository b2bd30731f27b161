"""Composition root of the channels service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.adapters.subscribers import QUEUES, build_router
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import load_settings


def build_app(settings: ChannelsSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES)
    runtime.broker.include_router(build_router(runtime))
    app = build_http_app(runtime, title="ticketflow channels service", routers=[])
    app.state.runtime = runtime
    return app


def main() -> None:
    settings = load_settings(ChannelsSettings)
    app = build_app(settings)
    serve(app, app.state.runtime)
