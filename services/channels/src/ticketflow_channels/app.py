"""Composition root of the channels service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.entrypoints.http import build_api_router
from ticketflow_channels.entrypoints.http_contacts import build_contacts_router
from ticketflow_channels.entrypoints.subscribers import QUEUES, build_router
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.auth import bearer_principal
from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
    ContactCreated,
    ContactUpdated,
)

PUBLISHES = (
    ChannelConnectionConnected,
    ChannelConnectionUpdated,
    ChannelConnectionDisconnected,
    ContactCreated,
    ContactUpdated,
)


def build_app(settings: ChannelsSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    return build_http_app(
        runtime,
        title="ticketflow channels service",
        routers=[
            build_api_router(runtime.uow, runtime.tokens),
            build_contacts_router(runtime.uow, bearer_principal(runtime.tokens)),
        ],
        broker_routers=[build_router(runtime)],
    )


def main() -> None:
    serve(build_app, ChannelsSettings)
