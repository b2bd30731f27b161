"""Pipeline access, from the replica, over the tickets HTTP API: a user who may not see a
pipeline finds none of its tickets; view access reads but does not write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router

from .builders import apply_pipeline_snapshot
from .queries_support import TOKENS, http_client
from .test_handlers import snapshot_message

RESTRICTED = PipelineAccess(
    restricted=True,
    grants=[
        AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="viewer", level=AccessLevel.VIEW),
        AccessGrant(grantee_kind=GranteeKind.TEAM, grantee_id="tier2", level=AccessLevel.EDIT),
    ],
)
CREATE = {"properties": {"subject": "Hi", "hs_pipeline": "default", "hs_pipeline_stage": "1"}}


def bearer(
    user_id: str, *, teams: frozenset[str] = frozenset(), admin: bool = False
) -> dict[str, str]:
    roles = frozenset({Role.SUPER_ADMIN}) if admin else frozenset()
    principal = Principal("a1", user_id, roles, teams)
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Secret", access=RESTRICTED))
    async with http_client(uow, build_api_router(uow, TOKENS)) as client:
        yield client


async def created_by_admin(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/crm/v3/objects/tickets", json=CREATE, headers=bearer("boss", admin=True)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_user_without_access_finds_neither_the_tickets_nor_the_pipeline(
    client: httpx.AsyncClient,
) -> None:
    ticket_id = await created_by_admin(client)

    read = await client.get(f"/crm/v3/objects/tickets/{ticket_id}", headers=bearer("stranger"))
    write = await client.post("/crm/v3/objects/tickets", json=CREATE, headers=bearer("stranger"))

    assert read.status_code == 404
    assert write.status_code == 400
    assert "does not exist" in write.json()["message"]


async def test_view_access_reads_tickets_but_cannot_create_them(client: httpx.AsyncClient) -> None:
    ticket_id = await created_by_admin(client)

    read = await client.get(f"/crm/v3/objects/tickets/{ticket_id}", headers=bearer("viewer"))
    write = await client.post("/crm/v3/objects/tickets", json=CREATE, headers=bearer("viewer"))

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["category"] == "MISSING_SCOPES"


async def test_edit_access_through_a_team_creates_tickets(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/crm/v3/objects/tickets", json=CREATE, headers=bearer("agent", teams=frozenset({"tier2"}))
    )
    assert response.status_code == 201
