"""Bulk moves over HTTP on the in-memory store: 202 at once with the job, its progress, the
Idempotency-Key, and bad input answered 4xx naming the field with nothing written. Moving one
ticket is HubSpot's PATCH of hs_pipeline + hs_pipeline_stage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ticketflow_chassis.auth import Role
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess, TicketState
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.moves import parse_move_filter
from ticketflow_ticket.entrypoints.http import build_api_router, build_moves_router
from ticketflow_ticket.entrypoints.http.moves import filter_json
from ticketflow_ticket.entrypoints.workers import MoveRunner

from .builders import pipeline, runnable_jobs
from .queries_support import TOKENS, http_client
from .test_changes import replicate
from .test_http_changes import ADMIN, bearer

URL = "/crm/v3/extensions/tickets/moves"
TICKETS = "/crm/v3/objects/tickets"
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED
VIEW_ONLY = PipelineAccess(
    restricted=True,
    grants=[
        AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="viewer", level=AccessLevel.VIEW)
    ],
)
MOVE = {
    "from": {"pipelineId": "support"},
    "to": {"pipelineId": "billing"},
    "statusMapping": {"new": "inbox", "done": "paid"},
}


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    await replicate(
        uow,
        pipeline("support", {"new": (OPEN, ()), "done": (CLOSED, ())}),
        pipeline("billing", {"inbox": (OPEN, ()), "paid": (CLOSED, ())}),
        pipeline("audit", {"seen": (OPEN, ())}, access=VIEW_ONLY),
        pipeline("theirs", {"x": (OPEN, ())}, account_id="a2"),
    )
    return uow


@pytest.fixture
def woken() -> list[bool]:
    return []


@pytest.fixture
async def client(uow: UnitOfWork, woken: list[bool]) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(
        uow,
        build_api_router(uow, TOKENS),
        build_moves_router(uow, TOKENS, wake=lambda: woken.append(True)),
    ) as client:
        yield client


async def ticket(client: httpx.AsyncClient, status_id: str = "new") -> str:
    body = {"properties": {"hs_pipeline": "support", "hs_pipeline_stage": status_id}}
    response = await client.post(TICKETS, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def post(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(URL, json=body, headers=headers or ADMIN)


async def nothing_started(uow: UnitOfWork) -> bool:
    return await runnable_jobs(uow) == []


async def test_a_move_answers_202_at_once_with_the_pending_job(
    client: httpx.AsyncClient, woken: list[bool]
) -> None:
    await ticket(client)
    await ticket(client, "done")

    response = await post(client, MOVE)

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["status"], job["total"], job["moved"], job["failed"]) == ("PENDING", 2, 0, 0)
    assert (job["startedAt"], job["completedAt"], job["errors"]) == (None, None, [])
    assert job["from"] == {"pipelineId": "support"}
    assert response.headers["Location"] == f"{URL}/{job['id']}"
    assert woken == [True]


async def test_the_progress_shows_the_completed_move_and_the_tickets_moved(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await ticket(client)
    job_id = (await post(client, MOVE)).json()["id"]

    await MoveRunner(uow).run_pending()
    progress = await client.get(f"{URL}/{job_id}", headers=ADMIN)

    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert (body["status"], body["moved"], body["total"]) == ("COMPLETED", 1, 1)
    assert body["startedAt"] is not None
    assert body["completedAt"] is not None
    moved = (await client.get(f"{TICKETS}/{ticket_id}", headers=ADMIN)).json()["properties"]
    assert (moved["hs_pipeline"], moved["hs_pipeline_stage"]) == ("billing", "inbox")


async def test_a_repeated_idempotency_key_answers_the_same_job(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    keyed = {**ADMIN, "Idempotency-Key": "move-42"}
    first = await post(client, MOVE, keyed)

    again = await post(client, MOVE, keyed)

    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await runnable_jobs(uow)) == 1
    other = await post(client, {**MOVE, "statusMapping": {"new": "paid"}}, keyed)
    assert other.status_code == 422, other.text
    assert [e["in"] for e in other.json()["errors"]] == ["Idempotency-Key"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": {"pipelineId": "nope"}}, "from.pipelineId"),
        ({"to": {"pipelineId": "nope"}}, "to.pipelineId"),
        ({"to": {"pipelineId": "theirs"}}, "to.pipelineId"),
        ({"from": {"pipelineId": "support", "statusId": "nope"}}, "from.statusId"),
        ({"statusMapping": {"new": "nope", "done": "paid"}}, "statusMapping.new"),
        ({"statusMapping": {"nope": "inbox", "done": "paid"}}, "statusMapping.nope"),
        ({"statusMapping": {"new": "inbox"}}, "statusMapping.done"),
        (
            {"to": {"pipelineId": "support"}, "statusMapping": {"new": "new", "done": "new"}},
            "statusMapping.new",
        ),
        ({"defaultStatusId": "nope"}, "defaultStatusId"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field_and_starts_nothing(
    client: httpx.AsyncClient, uow: UnitOfWork, change: dict[str, Any], field: str
) -> None:
    await ticket(client)
    await ticket(client, "done")

    response = await post(client, {**MOVE, **change})

    assert response.status_code == 400, response.text
    assert field in [e["in"] for e in response.json()["errors"]]
    assert await nothing_started(uow)


async def test_a_malformed_body_is_a_400_naming_the_field(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    response = await post(client, {"from": {"pipelineId": "support"}, "statusMapping": {}})

    assert response.status_code == 400, response.text
    assert "to" in [e["in"] for e in response.json()["errors"]]
    assert await nothing_started(uow)


async def test_a_user_with_view_access_to_a_pipeline_may_not_move_its_tickets(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    body = {**MOVE, "to": {"pipelineId": "audit"}, "defaultStatusId": "seen", "statusMapping": {}}

    response = await post(client, body, bearer("viewer"))

    assert response.status_code == 403, response.text
    assert [e["in"] for e in response.json()["errors"]] == ["to.pipelineId"]
    assert await nothing_started(uow)
    assert (await post(client, body, ADMIN)).status_code == 202


async def test_a_move_of_another_account_is_not_found(client: httpx.AsyncClient) -> None:
    job_id = (await post(client, MOVE)).json()["id"]

    response = await client.get(f"{URL}/{job_id}", headers=bearer("boss", account_id="a2"))

    assert response.status_code == 404, response.text


async def test_a_move_is_visible_to_its_starter_and_to_those_who_see_both_pipelines(
    client: httpx.AsyncClient,
) -> None:
    editor = bearer("editor", roles=frozenset({Role.PROPERTY_SETTINGS_EDITOR}))
    job_id = (await post(client, MOVE, editor)).json()["id"]

    for who in (editor, bearer("someone"), ADMIN):
        assert (await client.get(f"{URL}/{job_id}", headers=who)).status_code == 200


async def test_one_ticket_moves_to_another_pipeline_with_a_patch(
    client: httpx.AsyncClient,
) -> None:
    ticket_id = await ticket(client)

    response = await client.patch(
        f"{TICKETS}/{ticket_id}",
        json={"properties": {"hs_pipeline": "billing", "hs_pipeline_stage": "paid"}},
        headers=ADMIN,
    )

    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert (props["hs_pipeline"], props["hs_pipeline_stage"], props["hs_is_closed"]) == (
        "billing",
        "paid",
        "true",
    )


# -- moves by a filter -----------------------------------------------------------------------

HIGH = {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}


def filtered(*filters: dict[str, Any]) -> dict[str, Any]:
    return {**MOVE, "filter": {"filterGroups": [{"filters": list(filters)}]}}


async def test_a_filtered_move_moves_the_matching_tickets_and_shows_the_skipped(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    low = await ticket(client)
    body = {"properties": {"hs_pipeline": "support", "hs_ticket_priority": "HIGH"}}
    high = (await client.post(TICKETS, json=body, headers=ADMIN)).json()["id"]

    started = await post(client, filtered(HIGH))
    await MoveRunner(uow).run_pending()

    assert started.status_code == 202, started.text
    assert started.json()["filter"] == {"filterGroups": [{"filters": [HIGH]}]}
    job = (await client.get(f"{URL}/{started.json()['id']}", headers=ADMIN)).json()
    assert (job["status"], job["total"], job["moved"], job["skipped"]) == ("COMPLETED", 2, 1, 1)
    for ticket_id, pipeline_id in ((high, "billing"), (low, "support")):
        moved = (await client.get(f"{TICKETS}/{ticket_id}", headers=ADMIN)).json()
        assert moved["properties"]["hs_pipeline"] == pipeline_id


@pytest.mark.parametrize(
    ("move_filter", "field"),
    [
        ([HIGH], "filter"),
        ({"filterGroups": [{"filters": [HIGH]}], "query": "x"}, "filter.query"),
        ({"filterGroups": "HIGH"}, "filter.filterGroups"),
        (
            {"filterGroups": [{"filters": [{**HIGH, "propertyName": "subject"}]}]},
            "filter.filterGroups.0.filters.0.propertyName",
        ),
        (
            {"filterGroups": [{"filters": [HIGH, {**HIGH, "operator": "GT"}]}]},
            "filter.filterGroups.0.filters.1.operator",
        ),
        (
            {"filterGroups": [{"filters": [{**HIGH, "operator": "IN"}]}]},
            "filter.filterGroups.0.filters.0.values",
        ),
        (
            {"filterGroups": [{}, {"filters": [{**HIGH, "propertyName": "createdate"}]}]},
            "filter.filterGroups.1.filters.0.value",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "hubspot_owner_id", "operator": "NEQ"}]}
                ]
            },
            "filter.filterGroups.0.filters.0.value",
        ),
    ],
)
async def test_a_bad_filter_is_a_400_naming_its_exact_place_and_starts_nothing(
    client: httpx.AsyncClient, uow: UnitOfWork, move_filter: Any, field: str
) -> None:
    response = await post(client, {**MOVE, "filter": move_filter})

    assert response.status_code == 400, response.text
    assert [e["in"] for e in response.json()["errors"]] == [field]
    assert await nothing_started(uow)


def test_the_job_shows_its_filter_as_it_was_given() -> None:
    given = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": ["new"]}
                ]
            },
            {
                "filters": [
                    {
                        "propertyName": "closed_date",
                        "operator": "BETWEEN",
                        "value": "1700000000000",
                        "highValue": "1800000000000",
                    },
                    {"propertyName": "hs_ticket_priority", "operator": "HAS_PROPERTY"},
                ]
            },
        ]
    }

    assert filter_json(parse_move_filter(given)) == given
