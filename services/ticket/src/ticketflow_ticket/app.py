"""Composition root of the ticket service."""

from __future__ import annotations

from fastapi import FastAPI

from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    SendMessage,
    StatusesClosed,
    StatusesCloseRefused,
    TicketArchived,
    TicketCreated,
    TicketNoteAdded,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import (
    build_api_router,
    build_batch_router,
    build_counts_router,
    build_emails_router,
    build_moves_router,
    build_search_router,
    build_timeline_router,
)
from ticketflow_ticket.entrypoints.subscribers import QUEUES, build_router
from ticketflow_ticket.entrypoints.workers import MoveRunner
from ticketflow_ticket.handlers.timeline import project_own_event
from ticketflow_ticket.settings import TicketSettings

PUBLISHES = (
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketArchived,
    TicketNoteAdded,
    SendMessage,
    StatusesClosed,
    StatusesCloseRefused,
)


def build_app(settings: TicketSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    runtime.uow.project_with(project_own_event)
    moves = MoveRunner(
        runtime.uow,
        batch_size=settings.move_batch_size,
        poll_seconds=settings.move_poll_seconds,
    )
    runtime.add_worker(moves.start, moves.stop)
    return build_http_app(
        runtime,
        title="ticketflow ticket service",
        routers=[
            build_api_router(runtime.uow, runtime.tokens, settings.owner_wait_seconds),
            build_timeline_router(runtime.uow, runtime.tokens),
            build_emails_router(runtime.uow, runtime.tokens),
            build_search_router(runtime.uow, runtime.tokens),
            build_batch_router(runtime.uow, runtime.tokens, settings.owner_wait_seconds),
            build_counts_router(runtime.uow, runtime.tokens),
            build_moves_router(runtime.uow, runtime.tokens, wake=moves.wake),
        ],
        broker_routers=[build_router(runtime, settings.pipeline_wait_seconds)],
    )


def main() -> None:
    serve(build_app, TicketSettings)
