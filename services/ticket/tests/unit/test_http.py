"""The tickets HTTP adapter on the in-memory store: HubSpot's shapes, auth, tenancy, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router

from .builders import apply_pipeline_snapshot
from .queries_support import TOKENS, http_client
from .test_handlers import snapshot_message

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def bearer(account_id: str) -> dict[str, str]:
    principal = Principal(account_id, "u1", frozenset({Role.SUPER_ADMIN}), frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Support"))
    async with http_client(uow, build_api_router(uow, TOKENS)) as client:
        yield client


CREATE = {
    "properties": {"subject": "Printer on fire", "hs_pipeline": "default", "hs_pipeline_stage": "1"}
}


async def test_a_created_ticket_comes_back_hubspot_style(client: httpx.AsyncClient) -> None:
    created = await client.post("/crm/v3/objects/tickets", json=CREATE, headers=bearer("a1"))

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert body["properties"]["hs_pipeline_stage"] == "1"
    assert body["properties"]["hs_object_id"] == body["id"]
    fetched = await client.get(f"/crm/v3/objects/tickets/{body['id']}", headers=bearer("a1"))
    assert fetched.json() == body


async def test_another_accounts_token_finds_nothing(client: httpx.AsyncClient) -> None:
    created = await client.post("/crm/v3/objects/tickets", json=CREATE, headers=bearer("a1"))
    ticket_id = created.json()["id"]

    foreign = await client.get(f"/crm/v3/objects/tickets/{ticket_id}", headers=bearer("a2"))

    assert foreign.status_code == 404
    assert foreign.json()["category"] == "OBJECT_NOT_FOUND"


async def test_without_a_token_the_caller_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/crm/v3/objects/tickets", json=CREATE)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"properties": {"hs_pipeline": "default", "hs_pipeline_stage": "77"}},
            "hs_pipeline_stage",
        ),
        ({"properties": {"hs_pipeline": "nope"}}, "hs_pipeline"),
        ({"properties": {"hs_ticket_priority": "SOON"}}, "hs_ticket_priority"),
        ({"properties": {"subject": 42}}, "properties.subject"),
        ({"properties": {"bogus": "x"}}, "bogus"),
        ({"properties": {"hs_is_closed": "true"}}, "hs_is_closed"),
        ({"nothing": True}, "properties"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/crm/v3/objects/tickets", json=body, headers=bearer("a1"))

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert field in [e.get("in") for e in response.json()["errors"]]


async def test_a_malformed_json_body_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/crm/v3/objects/tickets",
        content=b"{bad",
        headers=bearer("a1") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
