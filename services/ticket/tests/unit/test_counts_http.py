"""GET /crm/v3/extensions/tickets/counts: a pipeline's live tickets per status, counted from
the tickets themselves; 404 for a pipeline the caller may not see or another account's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_ticket.domain import search as search_domain

from .queries_support import ADMIN, FOREIGN, URL, bearer, created, serving

COUNTS = "/crm/v3/extensions/tickets/counts"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(MemoryStore()) as client:
        yield client


async def test_counts_follow_the_tickets_per_status_leaving_out_archived_ones(
    client: httpx.AsyncClient,
) -> None:
    for status_id in ("new", "new", "waiting", "done"):
        await created(client, status_id=status_id)
    archived = await created(client)
    moved = await created(client)
    await client.delete(f"{URL}/{archived}", headers=ADMIN)
    await client.patch(
        f"{URL}/{moved}", json={"properties": {"hs_pipeline_stage": "waiting"}}, headers=ADMIN
    )

    response = await client.get(f"{COUNTS}?pipelineId=p1", headers=bearer())

    assert response.status_code == 200, response.text
    assert response.json() == {
        "pipelineId": "p1",
        "total": 5,
        "byStatus": {"new": 2, "waiting": 2, "escalated": 0, "done": 1},
    }


async def test_counts_stay_exact_past_the_search_cap(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_domain, "MAX_RESULTS", 2)
    for _ in range(3):
        await created(client)

    response = await client.get(f"{COUNTS}?pipelineId=p1", headers=bearer())

    assert response.json()["total"] == 3
    assert response.json()["byStatus"]["new"] == 3


async def test_a_pipeline_the_caller_may_not_see_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    await created(client, "secret")

    hidden = await client.get(f"{COUNTS}?pipelineId=secret", headers=bearer("stranger"))
    seen = await client.get(f"{COUNTS}?pipelineId=secret", headers=bearer("viewer"))

    assert hidden.status_code == 404
    assert hidden.json()["category"] == "OBJECT_NOT_FOUND"
    assert seen.json()["total"] == 1


async def test_another_accounts_pipeline_is_not_found(client: httpx.AsyncClient) -> None:
    await created(client)

    response = await client.get(f"{COUNTS}?pipelineId=p1", headers=FOREIGN)

    assert response.status_code == 404


async def test_counts_need_a_pipeline_id(client: httpx.AsyncClient) -> None:
    response = await client.get(COUNTS, headers=ADMIN)

    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "pipelineId"
