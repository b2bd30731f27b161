"""PATCH, DELETE, GET with `archived`/`properties`, and the list over HTTP on the in-memory
store: HubSpot's shapes, versions (ETag / If-Match), bad input, access, tenancy; a refused
request changes nothing and publishes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ticketflow_chassis.auth import Role
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import (
    PipelineRules,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router

from .builders import definition, pipeline
from .queries_support import ADMIN, SECRET, TOKENS, URL, bearer, http_client
from .test_changes import define, replicate

EDITOR = bearer("editor", roles=frozenset({Role.PROPERTY_SETTINGS_EDITOR}))


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    strict = PipelineRules(forbid_skipping=True, forbid_backwards=True)
    await replicate(uow, pipeline(rules=strict), pipeline("secret", access=SECRET))
    await define(uow, definition("notes"))
    return uow


@pytest.fixture
async def client(uow: UnitOfWork) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(uow, build_api_router(uow, TOKENS)) as client:
        yield client


async def created(client: httpx.AsyncClient, pipeline_id: str = "p1", **props: str) -> str:
    body = {"properties": {"hs_pipeline": pipeline_id, "hs_pipeline_stage": "new", **props}}
    response = await client.post(URL, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    return str(response.json()["id"])


async def patch(
    client: httpx.AsyncClient,
    ticket_id: str,
    properties: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.patch(
        f"{URL}/{ticket_id}", json={"properties": properties}, headers=headers or bearer()
    )


async def outbox_size(uow: UnitOfWork) -> int:
    return len(await uow.store.outbox_entries())


async def test_a_patch_answers_the_ticket_with_its_new_version(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client)

    response = await patch(
        client, ticket_id, {"hs_pipeline_stage": "waiting", "notes": "called back"}
    )

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    props = response.json()["properties"]
    assert (props["hs_pipeline_stage"], props["notes"], props["hs_is_closed"]) == (
        "waiting",
        "called back",
        "false",
    )


async def test_a_stale_if_match_is_a_409_and_a_current_one_passes(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await created(client)
    assert (await patch(client, ticket_id, {"notes": "a"})).status_code == 200
    before = await outbox_size(uow)

    stale = await patch(client, ticket_id, {"notes": "b"}, bearer() | {"If-Match": '"1"'})
    current = await patch(client, ticket_id, {"notes": "c"}, bearer() | {"If-Match": '"2"'})
    garbled = await patch(client, ticket_id, {"notes": "d"}, bearer() | {"If-Match": "*"})

    assert stale.status_code == 409
    assert stale.json()["category"] == "CONFLICT"
    assert "at version 2, not 1" in stale.json()["message"]
    assert current.status_code == 200
    assert garbled.status_code == 400
    assert garbled.json()["errors"][0]["in"] == "If-Match"
    assert await outbox_size(uow) == before + 1


@pytest.mark.parametrize(
    ("properties", "status", "fields"),
    [
        ({"hs_pipeline_stage": "nope"}, 400, ["hs_pipeline_stage"]),
        ({"hs_pipeline": "nope", "hs_pipeline_stage": "new"}, 400, ["hs_pipeline"]),
        ({"hs_pipeline": "secret"}, 400, ["hs_pipeline_stage"]),
        ({"hs_ticket_priority": "SOON", "bogus": "1"}, 400, ["hs_ticket_priority", "bogus"]),
        ({"createdate": "2020-01-01"}, 400, ["createdate"]),
        ({"subject": 42}, 400, ["properties.subject"]),
        ({"hs_pipeline_stage": "done"}, 400, ["hs_pipeline_stage"]),  # skips statuses
        ({"hs_pipeline_stage": "escalated"}, 400, ["hs_pipeline_stage"]),  # skips too
    ],
)
async def test_bad_input_is_refused_naming_each_field_and_changes_nothing(
    client: httpx.AsyncClient,
    uow: UnitOfWork,
    properties: dict[str, Any],
    status: int,
    fields: list[str],
) -> None:
    ticket_id = await created(client)
    before = await outbox_size(uow)

    response = await patch(client, ticket_id, properties)

    assert response.status_code == status, response.text
    assert sorted(e["in"] for e in response.json()["errors"]) == sorted(fields)
    fetched = await client.get(f"{URL}/{ticket_id}", headers=bearer())
    assert fetched.headers["ETag"] == '"1"'
    assert await outbox_size(uow) == before


async def test_a_body_with_more_properties_than_any_account_has_is_refused(
    client: httpx.AsyncClient,
) -> None:
    ticket_id = await created(client)

    response = await patch(client, ticket_id, {f"p{i}": "x" for i in range(2000)})

    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "properties"


async def test_missing_required_status_properties_are_a_422_listing_them(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await created(client)
    assert (await patch(client, ticket_id, {"hs_pipeline_stage": "waiting"})).status_code == 200
    before = await outbox_size(uow)

    response = await patch(client, ticket_id, {"hs_pipeline_stage": "escalated"})

    assert response.status_code == 422
    body = response.json()
    assert body["category"] == "UNPROCESSABLE"
    assert [e["in"] for e in body["errors"]] == ["hs_ticket_priority", "severity"]
    assert "hs_ticket_priority, severity" in body["message"]
    assert await outbox_size(uow) == before


async def test_admins_and_property_settings_editors_bypass_the_pipeline_rules(
    client: httpx.AsyncClient,
) -> None:
    ticket_id = await created(client)

    assert (
        await patch(client, ticket_id, {"hs_pipeline_stage": "done"}, EDITOR)
    ).status_code == 200
    back = await patch(client, ticket_id, {"hs_pipeline_stage": "new"}, ADMIN)
    assert back.status_code == 200
    assert "closed_date" not in back.json()["properties"]


async def test_a_foreign_account_finds_nothing_on_any_route(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client)
    foreign = bearer("boss", "a2", frozenset({Role.SUPER_ADMIN}))

    responses = [
        await client.get(f"{URL}/{ticket_id}", headers=foreign),
        await patch(client, ticket_id, {"notes": "x"}, foreign),
        await client.delete(f"{URL}/{ticket_id}", headers=foreign),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert (await client.get(URL, headers=foreign)).json()["results"] == []
    into_theirs = {"properties": {"hs_pipeline": "p1", "hs_pipeline_stage": "new"}}
    refused = await client.post(URL, json=into_theirs, headers=foreign)
    assert refused.status_code == 400
    assert "pipeline 'p1' does not exist" in refused.json()["message"]
    assert (await client.get(f"{URL}/{ticket_id}", headers=bearer())).status_code == 200


async def test_view_access_may_read_but_not_change_or_archive(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client, "secret")
    view_only = bearer("viewer")

    assert (await client.get(f"{URL}/{ticket_id}", headers=view_only)).status_code == 200
    assert (await patch(client, ticket_id, {"notes": "x"}, view_only)).status_code == 403
    assert (await client.delete(f"{URL}/{ticket_id}", headers=view_only)).status_code == 403
    assert (await patch(client, ticket_id, {"notes": "x"}, bearer("stranger"))).status_code == 404


async def test_an_archived_ticket_disappears_unless_asked_for(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client)

    assert (await client.delete(f"{URL}/{ticket_id}", headers=bearer())).status_code == 204
    assert (await client.delete(f"{URL}/{ticket_id}", headers=bearer())).status_code == 204

    assert (await client.get(f"{URL}/{ticket_id}", headers=bearer())).status_code == 404
    archived = await client.get(f"{URL}/{ticket_id}?archived=true", headers=bearer())
    assert archived.json()["archived"] is True
    assert "archivedAt" in archived.json()
    assert (await patch(client, ticket_id, {"notes": "x"})).status_code == 404
    listed = (await client.get(f"{URL}?archived=true", headers=bearer())).json()["results"]
    assert [t["id"] for t in listed] == [ticket_id]
    assert (await client.get(URL, headers=bearer())).json()["results"] == []


async def test_properties_selects_what_a_get_returns(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client, subject="Hi")

    response = await client.get(
        f"{URL}/{ticket_id}?properties=subject,notes&properties=hs_pipeline", headers=bearer()
    )

    assert response.json()["properties"] == {
        "subject": "Hi",
        "notes": None,
        "hs_pipeline": "p1",
        "hs_object_id": ticket_id,
        "createdate": response.json()["createdAt"],
        "hs_lastmodifieddate": response.json()["updatedAt"],
    }


async def test_the_list_pages_by_creation_and_hides_invisible_pipelines(
    client: httpx.AsyncClient,
) -> None:
    visible = [await created(client) for _ in range(3)]
    hidden = await created(client, "secret")

    first = (await client.get(f"{URL}?limit=2", headers=bearer("stranger"))).json()
    after = first["paging"]["next"]["after"]
    second = (await client.get(f"{URL}?limit=2&after={after}", headers=bearer("stranger"))).json()

    seen = [t["id"] for t in first["results"] + second["results"]]
    assert sorted(seen) == sorted(visible)
    everything = (await client.get(f"{URL}?limit=10", headers=ADMIN)).json()["results"]
    assert sorted(t["id"] for t in everything) == sorted([*visible, hidden])
