"""Composition root of the channels service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.adapters.subscribers import QUEUES, build_router
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime


def build_app(settings: ChannelsSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES)
    return build_http_app(
        runtime,
        title="ticketflow channels service",
        routers=[],
        broker_routers=[build_router(runtime)],
    )


def main() -> None:
    serve(build_app, ChannelsSettings)
