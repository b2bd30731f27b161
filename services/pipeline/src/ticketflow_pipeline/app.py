"""Composition root of the pipeline service."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    AccountCreated,
    CloseStatuses,
    PipelineCreated,
    PipelineDeleted,
    PipelineUpdated,
    TeamCreated,
    TeamDeleted,
    TeamUpdated,
    TicketPropertyArchived,
    TicketPropertyDefined,
    TokenRevoked,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.entrypoints.http import build_api_router
from ticketflow_pipeline.entrypoints.subscribers import QUEUES, build_router
from ticketflow_pipeline.handlers.legacy_users import upgrade_legacy_users
from ticketflow_pipeline.settings import PipelineSettings

PUBLISHES = (
    AccountCreated,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    TeamCreated,
    TeamUpdated,
    TeamDeleted,
    TokenRevoked,
    PipelineCreated,
    PipelineUpdated,
    PipelineDeleted,
    TicketPropertyDefined,
    TicketPropertyArchived,
    CloseStatuses,  # a command, sent to the ticket service
)


def build_app(settings: PipelineSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    runtime.add_start_step(partial(upgrade_legacy_users, runtime.uow))
    return build_http_app(
        runtime,
        title="ticketflow pipeline service",
        routers=[
            build_api_router(
                runtime.uow,
                runtime.tokens,
                settings.tier_policy(),
                settings.retirement_wait_seconds,
            )
        ],
        broker_routers=[build_router(runtime)],
    )


def main() -> None:
    serve(build_app, PipelineSettings)
