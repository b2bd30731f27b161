"""`properties=` on reads: unknown names come back as null (HubSpot), but a selection is
capped, so no answer reflects 100 kB names or 10,000 of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_ticket.domain.errors import InvalidSelection
from ticketflow_ticket.domain.selection import property_selection

from .queries_support import ADMIN, URL, created, search, serving

HUGE = "x" * 100_000
MANY = [f"p{n}" for n in range(10_000)]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(MemoryStore()) as client:
        yield client


def test_a_selection_is_split_trimmed_and_each_name_kept_once() -> None:
    assert property_selection(["subject, content", "subject", " ,"]) == ["subject", "content"]
    assert property_selection(None) is None
    assert property_selection([","]) is None


@pytest.mark.parametrize("names", [[HUGE], MANY, [",".join(MANY)]])
def test_too_many_or_too_long_names_are_refused_without_repeating_them(names: list[str]) -> None:
    with pytest.raises(InvalidSelection) as refused:
        property_selection(names)
    assert [e.field for e in refused.value.errors] == ["properties"]
    assert len(str(refused.value)) < 200


def refused_without_echo(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text[:300]
    assert [e["in"] for e in response.json()["errors"]] == ["properties"]
    assert len(response.content) < 1000


@pytest.mark.parametrize("names", [[HUGE], MANY], ids=["100-kB-name", "10000-names"])
async def test_every_read_refuses_a_selection_over_the_cap(
    client: httpx.AsyncClient, names: list[str]
) -> None:
    ticket_id = await created(client)
    # httpx refuses URLs over 64 kB: the query strings carry a half of the selection
    query: Any = {"properties": ",".join(names)[:40_000]}

    refused_without_echo(await client.get(URL, params=query, headers=ADMIN))
    refused_without_echo(await client.get(f"{URL}/{ticket_id}", params=query, headers=ADMIN))
    batch = {"inputs": [{"id": ticket_id}], "properties": names}
    refused_without_echo(await client.post(f"{URL}/batch/read", json=batch, headers=ADMIN))
    refused_without_echo(await search(client, {"properties": names}))


async def test_an_unknown_name_within_the_cap_reads_as_null(client: httpx.AsyncClient) -> None:
    ticket_id = await created(client, subject="Hello")

    response = await client.get(
        f"{URL}/{ticket_id}", params={"properties": "subject,nope"}, headers=ADMIN
    )

    assert response.status_code == 200
    assert response.json()["properties"]["nope"] is None
