"""GET /crm/v3/extensions/tickets/{id}/timeline on the in-memory store: the JSON shape, paging,
access and tenancy (404), bad `limit` and `after` (400)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.http_errors import CURSOR_MESSAGE
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import HOSTILE_CURSORS
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router, build_timeline_router

from .builders import pipeline
from .queries_support import TOKENS, http_client
from .test_timeline_handlers import SECRET, deliver_to_timeline, published, replicate, ticking_clock

TICKETS = "/crm/v3/objects/tickets"


def timeline_url(ticket_id: str) -> str:
    return f"/crm/v3/extensions/tickets/{ticket_id}/timeline"


def bearer(user_id: str = "boss", account_id: str = "a1", admin: bool = True) -> dict[str, str]:
    roles = frozenset({Role.SUPER_ADMIN}) if admin else frozenset()
    principal = Principal(account_id, user_id, roles, frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


ADMIN = bearer()


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=ticking_clock())
    await replicate(uow, pipeline(), pipeline("secret", access=SECRET))
    return uow


@pytest.fixture
async def client(uow: UnitOfWork) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(
        uow, build_api_router(uow, TOKENS), build_timeline_router(uow, TOKENS)
    ) as client:
        yield client


async def ticket_with_history(
    client: httpx.AsyncClient, uow: UnitOfWork, pipeline_id: str = "p1"
) -> str:
    """Created (by `boss`), moved twice and renamed by `boss`; every event delivered."""
    body = {"properties": {"hs_pipeline": pipeline_id, "hs_pipeline_stage": "new", "subject": "A"}}
    response = await client.post(TICKETS, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    ticket_id = str(response.json()["id"])
    for change in (
        {"hs_pipeline_stage": "waiting"},
        {"hs_pipeline_stage": "done"},
        {"subject": "B"},
    ):
        patched = await client.patch(
            f"{TICKETS}/{ticket_id}", json={"properties": change}, headers=ADMIN
        )
        assert patched.status_code == 200, patched.text
    await deliver_to_timeline(uow, await published(uow))
    return ticket_id


async def timeline(
    client: httpx.AsyncClient, ticket_id: str, headers: dict[str, str] = ADMIN, **params: Any
) -> httpx.Response:
    return await client.get(timeline_url(ticket_id), params=params, headers=headers)


async def test_the_timeline_is_newest_first_in_hubspot_style_json(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await ticket_with_history(client, uow)

    response = await timeline(client, ticket_id)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["type"] for r in results] == [
        "PROPERTIES_CHANGED",
        "STATUS_CHANGED",
        "STATUS_CHANGED",
        "TICKET_CREATED",
    ]
    renamed, closed, _, created = results
    assert set(closed) == {"id", "type", "occurredAt", "ticketId", "actor", "details"}
    assert closed["ticketId"] == ticket_id
    assert closed["actor"] == {"type": "USER", "id": "boss"}
    assert closed["details"] == {
        "fromPipelineId": "p1",
        "fromStatusId": "waiting",
        "fromState": "OPEN",
        "toPipelineId": "p1",
        "toStatusId": "done",
        "toState": "CLOSED",
    }
    assert closed["occurredAt"].endswith("Z")
    assert renamed["details"] == {
        "properties": [{"name": "subject", "value": "B", "previousValue": "A"}]
    }
    assert created["details"] == {
        "pipelineId": "p1",
        "statusId": "new",
        "sourceType": None,
        "subject": "A",
    }
    assert "paging" not in response.json()


async def test_pages_follow_the_next_link_and_show_each_entry_once(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await ticket_with_history(client, uow)
    whole = [r["id"] for r in (await timeline(client, ticket_id)).json()["results"]]

    first = (await timeline(client, ticket_id, limit=3)).json()
    link = first["paging"]["next"]["link"]
    second = (await client.get(link, headers=ADMIN)).json()

    assert [r["id"] for r in first["results"] + second["results"]] == whole
    assert "paging" not in second
    assert link.startswith(timeline_url(ticket_id))


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(bearer("agent", admin=False), id="no access to the pipeline"),
        pytest.param(bearer(account_id="a2"), id="another account"),
    ],
)
async def test_a_ticket_the_caller_may_not_see_has_no_timeline(
    client: httpx.AsyncClient, uow: UnitOfWork, headers: dict[str, str]
) -> None:
    ticket_id = await ticket_with_history(client, uow, pipeline_id="secret")

    response = await timeline(client, ticket_id, headers)

    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


async def test_a_user_with_view_access_reads_the_timeline(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await ticket_with_history(client, uow, pipeline_id="secret")

    response = await timeline(client, ticket_id, bearer("viewer", admin=False))

    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


async def test_an_unknown_ticket_is_a_404_and_no_token_a_401(client: httpx.AsyncClient) -> None:
    assert (await timeline(client, "404404")).status_code == 404
    assert (await client.get(timeline_url("404404"))).status_code == 401


async def test_an_archived_tickets_timeline_ends_with_its_archiving(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await ticket_with_history(client, uow)
    assert (await client.delete(f"{TICKETS}/{ticket_id}", headers=ADMIN)).status_code == 204
    await deliver_to_timeline(uow, await published(uow))

    [latest, *_] = (await timeline(client, ticket_id)).json()["results"]

    assert latest["type"] == "TICKET_ARCHIVED"
    assert latest["details"] == {"pipelineId": "p1", "statusId": "done"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"after": "not a cursor"}, "after"),
        ({"after": "WzEsMiwzXQ=="}, "after"),
        ({"after": ""}, "after"),
    ],
)
async def test_a_bad_limit_or_after_is_a_400_naming_it(
    client: httpx.AsyncClient, uow: UnitOfWork, params: dict[str, Any], field: str
) -> None:
    ticket_id = await ticket_with_history(client, uow)

    response = await timeline(client, ticket_id, **params)

    assert response.status_code == 400, response.text
    assert field in str([e.get("in") for e in response.json()["errors"]])


@pytest.mark.parametrize("cursor", list(HOSTILE_CURSORS.values()), ids=list(HOSTILE_CURSORS))
async def test_a_forged_cursor_is_a_400_naming_after(
    client: httpx.AsyncClient, uow: UnitOfWork, cursor: str
) -> None:
    ticket_id = await ticket_with_history(client, uow)

    response = await timeline(client, ticket_id, limit=1, after=cursor)

    assert response.status_code == 400, response.text
    assert response.json()["message"] == CURSOR_MESSAGE
    assert [e["in"] for e in response.json()["errors"]] == ["after"]
