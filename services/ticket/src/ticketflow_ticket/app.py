"""Composition root of the ticket service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    StatusesClosed,
    StatusesCloseRefused,
    TicketArchived,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_ticket.adapters.http import build_api_router
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.adapters.subscribers import QUEUES, build_router
from ticketflow_ticket.settings import TicketSettings

PUBLISHES = (
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketArchived,
    StatusesClosed,
    StatusesCloseRefused,
)


def build_app(settings: TicketSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    return build_http_app(
        runtime,
        title="ticketflow ticket service",
        routers=[build_api_router(runtime.uow, runtime.tokens)],
        broker_routers=[build_router(runtime)],
    )


def main() -> None:
    serve(build_app, TicketSettings)
