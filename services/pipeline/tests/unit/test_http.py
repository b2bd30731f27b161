"""The pipeline HTTP adapter on the in-memory store: accounts by operators, pipelines by account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http import build_api_router

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
OPERATOR = Principal("platform", "ops", frozenset({Role.OPERATOR}), frozenset())
ACCOUNT = {"name": "Acme", "tier": "professional", "admin_email": "ada@acme.test"}


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def store() -> MemoryStore:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    return store


@pytest.fixture
async def client(store: MemoryStore) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(UnitOfWork(store, "pipeline"), TOKENS, TierPolicy(), 0.2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pipeline") as client:
        yield client


async def open_account(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/admin/v1/accounts", json=ACCOUNT, headers=bearer(OPERATOR))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_operator_opens_an_account_and_its_admin_sees_the_default_pipeline(
    client: httpx.AsyncClient, store: MemoryStore
) -> None:
    account = await open_account(client)
    admin = {"Authorization": f"Bearer {account['token']}"}

    listed = (await client.get("/crm/v3/pipelines/tickets", headers=admin)).json()["results"]
    one = (await client.get("/crm/v3/pipelines/tickets/default", headers=admin)).json()

    assert [p["id"] for p in listed] == ["default"]
    assert one == listed[0]
    assert [s["label"] for s in one["stages"]] == [
        "New",
        "Waiting on contact",
        "Waiting on us",
        "Closed",
    ]
    assert {e.message.routing_key for e in await store.outbox_entries()} == {
        "account.created",
        "user.created",
        "pipeline.created",
    }


async def test_only_an_operator_may_open_an_account(
    client: httpx.AsyncClient, store: MemoryStore
) -> None:
    admin = Principal("a1", "u1", frozenset({Role.SUPER_ADMIN}), frozenset())
    response = await client.post("/admin/v1/accounts", json=ACCOUNT, headers=bearer(admin))

    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"
    assert await store.outbox_entries() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tier": "platinum"}, "tier"),
        ({"admin_email": "not-an-email"}, "admin_email"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_a_bad_account_request_is_refused_naming_the_field(
    client: httpx.AsyncClient, store: MemoryStore, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/admin/v1/accounts", json=ACCOUNT | change, headers=bearer(OPERATOR)
    )

    assert response.status_code == 400
    assert field in [e.get("in") for e in response.json()["errors"]]
    assert await store.outbox_entries() == []


async def test_another_accounts_pipeline_does_not_exist_for_the_caller(
    client: httpx.AsyncClient,
) -> None:
    await open_account(client)
    stranger = Principal("another-account", "u9", frozenset({Role.SUPER_ADMIN}), frozenset())

    listed = await client.get("/crm/v3/pipelines/tickets", headers=bearer(stranger))
    one = await client.get("/crm/v3/pipelines/tickets/default", headers=bearer(stranger))

    assert listed.json() == {"results": []}
    assert one.status_code == 404
