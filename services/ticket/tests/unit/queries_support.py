"""A ticket service HTTP app with every router on one store, for the lists, search, batch and
counts tests: pipeline p1 (open to everyone) and `secret` (only `viewer` may view); user `7`
is the one owner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.port import DocumentStore
from ticketflow_chassis.testing import replicate_users, user_record
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import (
    build_api_router,
    build_batch_router,
    build_counts_router,
    build_search_router,
)

from .builders import pipeline
from .test_changes import replicate

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
URL = "/crm/v3/objects/tickets"
SECRET = PipelineAccess(
    restricted=True,
    grants=[
        AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="viewer", level=AccessLevel.VIEW)
    ],
)


def bearer(
    user_id: str = "agent", account_id: str = "a1", roles: frozenset[Role] = frozenset()
) -> dict[str, str]:
    principal = Principal(account_id, user_id, roles, frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


ADMIN = bearer("boss", roles=frozenset({Role.SUPER_ADMIN}))
FOREIGN = bearer("boss", "a2", frozenset({Role.SUPER_ADMIN}))


@asynccontextmanager
async def http_client(uow: UnitOfWork, *routers: APIRouter) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with the chassis' error handlers and `routers`."""
    app = FastAPI()
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        yield client


@asynccontextmanager
async def serving(store: DocumentStore) -> AsyncIterator[httpx.AsyncClient]:
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    await replicate(uow, pipeline(), pipeline("secret", access=SECRET))
    await replicate_users(uow, user_record("7"))
    builders = (build_api_router, build_search_router, build_batch_router, build_counts_router)
    try:
        async with http_client(uow, *(build(uow, TOKENS) for build in builders)) as client:
            yield client
    finally:
        await store.close()


async def created(
    client: httpx.AsyncClient, pipeline_id: str = "p1", status_id: str = "new", **props: str
) -> str:
    body = {"properties": {"hs_pipeline": pipeline_id, "hs_pipeline_stage": status_id, **props}}
    response = await client.post(URL, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def search(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(f"{URL}/search", json=body, headers=headers or ADMIN)


def eq(name: str, value: str) -> dict[str, str]:
    return {"propertyName": name, "operator": "EQ", "value": value}
