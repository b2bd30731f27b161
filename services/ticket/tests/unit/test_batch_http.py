"""POST /crm/v3/objects/tickets/batch/read|create|update on the in-memory store: HubSpot's
BatchResponse shapes, 207 with errors when some inputs fail (the others commit: a batch is
not atomic), access, tenancy and the 100-input limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore

from .queries_support import ADMIN, FOREIGN, URL, bearer, created, serving

BATCH = f"{URL}/batch"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(MemoryStore()) as client:
        yield client


async def test_batch_read_returns_the_tickets_asked_for_with_the_selected_properties(
    client: httpx.AsyncClient,
) -> None:
    first = await created(client, subject="One")
    second = await created(client, subject="Two")

    response = await client.post(
        f"{BATCH}/read",
        json={
            "inputs": [{"id": second}, {"id": first}],
            "properties": ["subject"],
            "propertiesWithHistory": [],
        },
        headers=ADMIN,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert {"startedAt", "completedAt"} <= set(body)
    assert [(t["id"], t["properties"]["subject"]) for t in body["results"]] == [
        (second, "Two"),
        (first, "One"),
    ]


async def test_unknown_foreign_and_invisible_ids_are_missing_alike_in_a_207(
    client: httpx.AsyncClient,
) -> None:
    mine = await created(client)
    secret = await created(client, "secret")
    inputs = [{"id": mine}, {"id": secret}, {"id": "404"}]

    stranger = await client.post(f"{BATCH}/read", json={"inputs": inputs}, headers=bearer("x"))
    foreign = await client.post(f"{BATCH}/read", json={"inputs": inputs}, headers=FOREIGN)

    assert stranger.status_code == 207
    assert [t["id"] for t in stranger.json()["results"]] == [mine]
    (error,) = stranger.json()["errors"]
    assert (error["category"], error["context"]["ids"]) == ("OBJECT_NOT_FOUND", [secret, "404"])
    assert stranger.json()["numErrors"] == 1
    assert foreign.json()["results"] == []
    assert foreign.json()["errors"][0]["context"]["ids"] == [mine, secret, "404"]


async def test_batch_create_commits_the_good_inputs_and_reports_the_bad_in_a_207(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{BATCH}/create",
        json={
            "inputs": [
                {"properties": {"subject": "Fine", "hs_pipeline": "p1"}},
                {"properties": {"hs_pipeline": "p1", "hs_ticket_priority": "SOON"}},
            ]
        },
        headers=ADMIN,
    )

    assert response.status_code == 207, response.text
    body = response.json()
    (ticket,) = body["results"]
    (error,) = body["errors"]
    assert error["context"] == {"index": ["1"]}
    assert error["errors"][0]["in"] == "hs_ticket_priority"
    fetched = await client.get(f"{URL}/{ticket['id']}", headers=ADMIN)
    assert fetched.json()["properties"]["subject"] == "Fine"


async def test_batch_create_answers_201_when_every_input_was_created(
    client: httpx.AsyncClient,
) -> None:
    inputs = [{"properties": {"subject": str(i), "hs_pipeline": "p1"}} for i in range(3)]

    response = await client.post(f"{BATCH}/create", json={"inputs": inputs}, headers=ADMIN)

    assert response.status_code == 201
    assert sorted(t["properties"]["subject"] for t in response.json()["results"]) == [
        "0",
        "1",
        "2",
    ]
    assert "errors" not in response.json()


async def test_batch_update_changes_each_ticket_and_reports_what_it_could_not(
    client: httpx.AsyncClient,
) -> None:
    mine = await created(client)
    secret = await created(client, "secret")

    response = await client.post(
        f"{BATCH}/update",
        json={
            "inputs": [
                {"id": mine, "properties": {"subject": "Changed"}},
                {"id": secret, "properties": {"subject": "Nope"}},
            ]
        },
        headers=bearer("viewer"),
    )

    assert response.status_code == 207, response.text
    assert [t["properties"]["subject"] for t in response.json()["results"]] == ["Changed"]
    (error,) = response.json()["errors"]
    assert (error["category"], error["context"]) == ("MISSING_SCOPES", {"ids": [secret]})


async def test_a_foreign_account_updates_nothing(client: httpx.AsyncClient) -> None:
    mine = await created(client, subject="Mine")

    response = await client.post(
        f"{BATCH}/update",
        json={"inputs": [{"id": mine, "properties": {"subject": "Theirs"}}]},
        headers=FOREIGN,
    )

    assert response.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    fetched = await client.get(f"{URL}/{mine}", headers=ADMIN)
    assert fetched.json()["properties"]["subject"] == "Mine"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("read", {"inputs": [{"id": str(i)} for i in range(101)]}, "inputs"),
        ("read", {"inputs": []}, "inputs"),
        ("read", {"inputs": [{"id": "1"}], "idProperty": "email"}, "idProperty"),
        ("create", {"inputs": [{"properties": {}}] * 101}, "inputs"),
        ("create", {"inputs": [{"nothing": 1}]}, "inputs.0.properties"),
        ("update", {"inputs": [{"properties": {}}]}, "inputs.0.id"),
        (
            "update",
            {"inputs": [{"id": "1", "properties": {}}, {"id": "1", "properties": {}}]},
            "inputs.1.id",
        ),
    ],
)
async def test_a_malformed_batch_is_a_400_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, path: str, body: dict[str, object], field: str
) -> None:
    response = await client.post(f"{BATCH}/{path}", json=body, headers=ADMIN)

    assert response.status_code == 400, response.text
    assert field in [e["in"] for e in response.json()["errors"]]
    assert (await client.get(URL, headers=ADMIN)).json()["results"] == []
