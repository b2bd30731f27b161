"""Every service answers as its /openapi.json says: schemathesis sends generated requests to
each app in process (memory store, no broker) with the super admin's token of an account that
exists, and checks: no 5xx, documented statuses, content types and bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import Receive, Scope, Send

from ticketflow_channels.app import build_app as build_channels
from ticketflow_channels.handlers.accounts import apply_account_created
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import TEST_JWT_SECRET, deliver, envelope_of
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import AccountCreated, PipelineCreated, Tier
from ticketflow_notifier.app import build_app as build_notifier
from ticketflow_notifier.settings import NotifierSettings
from ticketflow_pipeline.adapters.repository import COLLECTIONS as PIPELINE_COLLECTIONS
from ticketflow_pipeline.app import build_app as build_pipeline
from ticketflow_pipeline.handlers.accounts import OpenAccount, create_account
from ticketflow_pipeline.settings import PipelineSettings
from ticketflow_ticket.app import build_app as build_ticket
from ticketflow_ticket.settings import TicketSettings

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ACCOUNT = "acme"
PIPELINES = "pipelines"  # the replica collection of every consuming service
ADMIN = Principal(ACCOUNT, "boss", frozenset({Role.SUPER_ADMIN}), frozenset())
Seed = Callable[[UnitOfWork], Awaitable[None]]


def open_account(uow: UnitOfWork) -> Awaitable[object]:
    """The account and its default pipeline, opened by the pipeline service's own handler."""
    command = OpenAccount(ACCOUNT, "Acme", Tier.PROFESSIONAL, ADMIN.user_id, "boss@acme.test")
    return create_account(command, uow, MessageContext.for_request(ACCOUNT))


async def account_events() -> dict[str, dict[str, Any]]:
    """The payloads the pipeline service publishes when it opens the account, by type."""
    store = MemoryStore()
    await store.open(PIPELINE_COLLECTIONS)
    await open_account(UnitOfWork(store, "pipeline"))
    envelopes = [json.loads(entry.message.body) for entry in await store.outbox_entries()]
    return {envelope["type"]: envelope["payload"] for envelope in envelopes}


async def replicate_account(uow: UnitOfWork) -> None:
    """What a consuming service holds once the account's events reached it."""
    events = await account_events()
    created = PipelineCreated.model_validate(events[PipelineCreated.message_type()])
    snapshots = apply_pipeline_snapshots(PIPELINES)
    await deliver(snapshots, uow, envelope_of(created, account_id=ACCOUNT))


async def replicate_account_and_owner(uow: UnitOfWork) -> None:
    await replicate_account(uow)
    events = await account_events()
    account = AccountCreated.model_validate(events[AccountCreated.message_type()])
    await deliver(apply_account_created, uow, envelope_of(account, account_id=ACCOUNT))


class WithoutBroker:
    """The service's app with a lifespan that opens its store and seeds the account (in the
    loop schemathesis serves the app from), and connects to nothing."""

    def __init__(self, app: FastAPI, seed: Seed) -> None:
        self.app, self.seed = app, seed
        self.runtime: ServiceRuntime = app.state.runtime
        self.seeded = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        await receive()  # lifespan.startup
        if not self.seeded:  # schemathesis may start the lifespan again; the store stays
            await self.runtime.store.open(self.runtime.collections)
            await self.seed(self.runtime.uow)
            self.seeded = True
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})


def documented(app: FastAPI, seed: Seed) -> tuple[schemathesis.BaseSchema, dict[str, str]]:
    served = WithoutBroker(app, seed)
    token = served.runtime.tokens.issue(ADMIN, now=datetime.now(UTC))
    # /readyz answers 503 (documented) without a broker, and waits a second for its ping.
    schema = schemathesis.openapi.from_asgi("/openapi.json", served).exclude(path="/readyz")
    return schema, {"Authorization": f"Bearer {token}"}


PIPELINE, PIPELINE_AUTH = documented(
    build_pipeline(
        PipelineSettings(
            store_url="memory://", retirement_wait_seconds=0.01, jwt_secret=TEST_JWT_SECRET
        )
    ),
    open_account,
)
TICKET, TICKET_AUTH = documented(
    build_ticket(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)),
    replicate_account,
)
CHANNELS, CHANNELS_AUTH = documented(
    build_channels(ChannelsSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)),
    replicate_account_and_owner,
)
NOTIFIER, NOTIFIER_AUTH = documented(
    build_notifier(NotifierSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)),
    replicate_account,
)


@schemathesis.serializer("message/rfc822")
def raw_email(_context: schemathesis.SerializationContext, value: Any) -> bytes:
    """The inbound-email route takes raw bytes; whatever was generated goes as they are."""
    if isinstance(value, bytes):
        return value
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")


BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


@PIPELINE.parametrize()
@BOUNDED
def test_the_pipeline_service_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=PIPELINE_AUTH, checks=CHECKS)


@TICKET.parametrize()
@BOUNDED
def test_the_ticket_service_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=TICKET_AUTH, checks=CHECKS)


@CHANNELS.parametrize()
@BOUNDED
def test_the_channels_service_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=CHANNELS_AUTH, checks=CHECKS)


@NOTIFIER.parametrize()
@BOUNDED
def test_the_notifier_service_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=NOTIFIER_AUTH, checks=CHECKS)
