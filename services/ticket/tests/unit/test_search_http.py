"""POST /crm/v3/objects/tickets/search and the list on the in-memory store: HubSpot's shapes,
filters and sorts, paging that returns every ticket once in order, HubSpot's cap on results
(lowered here from 10,000), access, tenancy and malformed bodies answered 400 at the exact
field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ticketflow_chassis.http_errors import CURSOR_MESSAGE
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import HOSTILE_CURSORS
from ticketflow_ticket.domain import search as search_domain

from .queries_support import ADMIN, FOREIGN, URL, bearer, created, eq, search, serving


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(MemoryStore()) as client:
        yield client


async def every_page(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    after: str | None = None
    while pages < 50:
        response = await search(client, {**body, "after": after}, headers)
        assert response.status_code == 200, response.text
        ids += [t["id"] for t in response.json()["results"]]
        pages += 1
        after = response.json().get("paging", {}).get("next", {}).get("after")
        if after is None:
            return ids, pages
    raise AssertionError("paging never ended")


async def test_paging_through_a_search_returns_every_ticket_once_in_order(
    client: httpx.AsyncClient,
) -> None:
    ids = [await created(client, "p1" if i % 2 else "secret") for i in range(7)]

    seen, pages = await every_page(
        client, {"limit": 2, "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}]}
    )

    assert seen == list(reversed(ids))
    assert pages == 4


async def test_the_list_pages_every_visible_ticket_once_by_creation(
    client: httpx.AsyncClient,
) -> None:
    ids = [await created(client, "p1" if i % 3 else "secret") for i in range(8)]

    seen: list[str] = []
    url = f"{URL}?limit=3"
    for _ in range(10):
        body = (await client.get(url, headers=ADMIN)).json()
        seen += [t["id"] for t in body["results"]]
        if "paging" not in body:
            break
        url = body["paging"]["next"]["link"]

    assert seen == ids


async def test_a_search_answers_hubspots_shape_with_the_total(
    client: httpx.AsyncClient,
) -> None:
    ticket_id = await created(client, subject="Printer", hs_ticket_priority="HIGH")
    await created(client)

    response = await search(
        client,
        {
            "filterGroups": [{"filters": [eq("hs_ticket_priority", "HIGH")]}],
            "properties": ["subject"],
        },
    )

    body = response.json()
    assert body["total"] == 1
    assert "paging" not in body
    (result,) = body["results"]
    assert result["id"] == ticket_id
    assert set(result["properties"]) == {
        "subject",
        "hs_object_id",
        "createdate",
        "hs_lastmodifieddate",
    }
    assert set(result) == {"id", "properties", "createdAt", "updatedAt", "archived"}


async def test_filters_on_status_owner_and_open_tickets_find_exactly_theirs(
    client: httpx.AsyncClient,
) -> None:
    waiting = await created(client, status_id="waiting", hubspot_owner_id="7")
    done = await created(client, status_id="done", hubspot_owner_id="7")
    unassigned = await created(client)

    async def found(*filters: dict[str, Any]) -> list[str]:
        response = await search(client, {"filterGroups": [{"filters": list(filters)}]})
        assert response.status_code == 200, response.text
        return sorted(t["id"] for t in response.json()["results"])

    assert await found(eq("hs_pipeline_stage", "waiting")) == [waiting]
    assert await found(eq("hubspot_owner_id", "7")) == sorted([waiting, done])
    assert await found({"propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY"}) == [
        unassigned
    ]
    assert await found(eq("hs_is_closed", "false")) == sorted([waiting, unassigned])
    assert await found(eq("hs_is_closed", "true")) == [done]
    not_done = {"propertyName": "hs_pipeline_stage", "operator": "NEQ", "value": "done"}
    assert await found(eq("hs_pipeline", "p1"), not_done) == sorted([waiting, unassigned])


async def test_several_filter_groups_are_an_or(client: httpx.AsyncClient) -> None:
    waiting = await created(client, status_id="waiting")
    urgent = await created(client, hs_ticket_priority="URGENT")
    await created(client)

    response = await search(
        client,
        {
            "filterGroups": [
                {"filters": [eq("hs_pipeline_stage", "waiting")]},
                {"filters": [eq("hs_ticket_priority", "URGENT")]},
            ]
        },
    )

    assert sorted(t["id"] for t in response.json()["results"]) == sorted([waiting, urgent])
    assert response.json()["total"] == 2


async def test_a_search_over_more_than_the_cap_totals_the_cap_and_pages_up_to_it(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_domain, "MAX_RESULTS", 5)
    ids = [await created(client) for _ in range(7)]

    first = (await search(client, {"limit": 2})).json()
    seen, pages = await every_page(client, {"limit": 2})

    assert first["total"] == 5
    assert (seen, pages) == (ids[:5], 3)


async def test_several_filter_groups_total_at_most_the_cap_together(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_domain, "MAX_RESULTS", 5)
    for status_id in ("new", "new", "new", "waiting", "waiting", "waiting"):
        await created(client, status_id=status_id)
    groups = [{"filters": [eq("hs_pipeline_stage", s)]} for s in ("new", "waiting")]

    response = await search(client, {"filterGroups": groups})

    assert response.json()["total"] == 5


async def test_totals_below_the_cap_stay_exact(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_domain, "MAX_RESULTS", 5)
    ids = [await created(client) for _ in range(4)]
    waiting = await created(client, status_id="waiting")
    new = {"limit": 3, "filterGroups": [{"filters": [eq("hs_pipeline_stage", "new")]}]}
    one = {"filterGroups": [{"filters": [eq("hs_pipeline_stage", "waiting")]}]}

    first = (await search(client, new)).json()
    only = (await search(client, one)).json()

    assert first["total"] == 4
    assert await every_page(client, new) == (ids, 2)
    assert (only["total"], [t["id"] for t in only["results"]]) == (1, [waiting])


@pytest.mark.parametrize("after", ["10000", "10000.{keyset}", "10001.{keyset}"])
async def test_paging_past_hubspots_10000_results_is_a_400_naming_after(
    client: httpx.AsyncClient, after: str
) -> None:
    for _ in range(3):
        await created(client)
    page = (await search(client, {"limit": 1})).json()
    keyset = page["paging"]["next"]["after"].partition(".")[2]

    response = await search(client, {"limit": 1, "after": after.format(keyset=keyset)})

    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in response.json()["errors"]] == ["after"]
    assert "at most 10000 results" in response.json()["errors"][0]["message"]


async def test_a_modified_since_search_pages_by_modification(client: httpx.AsyncClient) -> None:
    first = await created(client)
    second = await created(client)
    await client.patch(f"{URL}/{first}", json={"properties": {"subject": "x"}}, headers=ADMIN)

    seen, _ = await every_page(
        client,
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "0"}
                    ]
                }
            ],
            "limit": 1,
        },
    )

    assert seen == [second, first]


async def test_tickets_of_a_pipeline_the_user_may_not_see_are_absent_and_not_counted(
    client: httpx.AsyncClient,
) -> None:
    mine = await created(client)
    secret = await created(client, "secret")

    stranger = (await search(client, {}, bearer("stranger"))).json()
    view_only = (await search(client, {}, bearer("viewer"))).json()
    asked = await search(
        client, {"filterGroups": [{"filters": [eq("hs_pipeline", "secret")]}]}, bearer("stranger")
    )
    listed = (await client.get(URL, headers=bearer("stranger"))).json()["results"]

    assert ([t["id"] for t in stranger["results"]], stranger["total"]) == ([mine], 1)
    assert sorted(t["id"] for t in view_only["results"]) == sorted([mine, secret])
    assert (asked.status_code, asked.json()["total"]) == (200, 0)
    assert [t["id"] for t in listed] == [mine]


async def test_another_account_finds_nothing(client: httpx.AsyncClient) -> None:
    await created(client)

    response = await search(client, {}, FOREIGN)

    assert (response.json()["total"], response.json()["results"]) == (0, [])
    assert (await client.get(URL, headers=FOREIGN)).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"filterGroups": [{"filters": [{"propertyName": "hs_pipeline", "operator": "NOPE"}]}]},
            "filterGroups.0.filters.0.operator",
        ),
        ({"limit": 201}, "limit"),
        ({"after": "not-a-cursor"}, "after"),
        (
            {
                "filterGroups": [
                    {"filters": [eq("hs_pipeline_stage", "new"), eq("hubspot_owner_id", "7")]}
                ]
            },
            "filterGroups.0",
        ),
        (
            {
                "filterGroups": [{"filters": [eq("createdate", "0")]}],
                "sorts": ["hs_lastmodifieddate"],
            },
            "filterGroups.0",
        ),
    ],
)
async def test_a_bad_search_is_a_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    await created(client)

    response = await search(client, body)

    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in response.json()["errors"]] == [field]


async def test_a_body_that_is_not_an_object_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{URL}/search", json=[1], headers=ADMIN)
    assert response.status_code == 400


async def test_search_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{URL}/search", json={})).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"), [("after=garbage", "after"), ("limit=101", "limit"), ("limit=0", "limit")]
)
async def test_a_bad_list_request_is_a_400_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    await created(client)

    response = await client.get(f"{URL}?{query}", headers=ADMIN)

    assert response.status_code == 400
    assert [e["in"] for e in response.json()["errors"]] == [field]


async def test_the_list_returns_hubspots_default_properties_unless_asked(
    client: httpx.AsyncClient,
) -> None:
    await created(client, subject="Hi", hs_ticket_priority="LOW")

    default = (await client.get(URL, headers=ADMIN)).json()["results"][0]["properties"]
    asked = (await client.get(f"{URL}?properties=subject", headers=ADMIN)).json()["results"][0]

    assert default["subject"] == "Hi"
    assert default["content"] is None
    assert set(asked["properties"]) == {
        "subject",
        "hs_object_id",
        "createdate",
        "hs_lastmodifieddate",
    }


@pytest.mark.parametrize("cursor", list(HOSTILE_CURSORS.values()), ids=list(HOSTILE_CURSORS))
async def test_a_forged_cursor_is_a_400_naming_after_on_the_list_and_the_search(
    client: httpx.AsyncClient, cursor: str
) -> None:
    await created(client)
    second_page = {"limit": 1, "sorts": ["createdate"]}

    answers = [
        await client.get(URL, params={"limit": 1, "after": cursor}, headers=ADMIN),
        await search(client, {**second_page, "after": f"1.{cursor}"}),
    ]

    for response in answers:
        assert response.status_code == 400, response.text
        assert response.json()["category"] == "VALIDATION_ERROR"
        assert response.json()["message"] == CURSOR_MESSAGE
        assert [e["in"] for e in response.json()["errors"]] == ["after"]
