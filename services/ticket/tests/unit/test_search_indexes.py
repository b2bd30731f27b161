"""Every supported search combination runs on the SQLite store, whose declared indexes must
serve it (an unserved query raises UnindexedQueryError: a 500 here); every other combination
is refused with a 400 before anything is read. The README lists the same combinations."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ticketflow_chassis.store.sqlite import SqliteStore

from .queries_support import ADMIN, bearer, created, eq, search, serving

EXTRAS = {
    "none": [],
    "status": [eq("hs_pipeline_stage", "new")],
    "owner": [eq("hubspot_owner_id", "7")],
    "unassigned": [{"propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY"}],
    "priority": [{"propertyName": "hs_ticket_priority", "operator": "NEQ", "value": "LOW"}],
}
SORTS = ("createdate", "hs_lastmodifieddate", "closed_date")


def supported(extra: str, sort: str, open_only: bool) -> bool:
    if extra == "priority" and (sort == "closed_date" or open_only):
        return False
    # Open tickets have no closed date, so sorting them by it is sorting by id.
    return not open_only or sort in ("createdate", "closed_date")


@pytest.fixture(scope="module")
def combinations() -> list[tuple[str, str, bool, bool, bool, bool]]:
    flags = [False, True]
    return list(itertools.product(EXTRAS, SORTS, flags, flags, flags, flags))


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(SqliteStore(tmp_path / "ticket.sqlite3")) as client:
        for status_id in ("new", "waiting", "done"):
            await created(client, status_id=status_id, hubspot_owner_id="7")
        await created(client, "secret", hs_ticket_priority="HIGH")
        yield client


def body(
    extra: str, sort: str, descending: bool, open_only: bool, ranged: bool, named: bool
) -> Any:
    """`named`: the group names the pipeline; else it is every pipeline the requester may see
    (for an admin, all of the account's: read without a pipeline where an index serves it)."""
    filters = [*([eq("hs_pipeline", "p1")] if named else []), *EXTRAS[extra]]
    if open_only:
        filters.append(eq("hs_is_closed", "false"))
    if ranged:
        filters.append({"propertyName": sort, "operator": "GTE", "value": "0"})
    direction = "DESCENDING" if descending else "ASCENDING"
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort, "direction": direction}],
        "limit": 2,
    }


async def test_each_supported_combination_runs_on_sqlite_and_the_rest_are_400(
    client: httpx.AsyncClient, combinations: list[tuple[str, str, bool, bool, bool, bool]]
) -> None:
    outcomes = {}
    for combination in combinations:
        for headers in (ADMIN, bearer("agent")):
            response = await search(client, body(*combination), headers)
            outcomes[(*combination, headers is ADMIN)] = response.status_code
            if response.status_code == 200 and "paging" in response.json():
                after = response.json()["paging"]["next"]["after"]
                following = body(*combination) | {"after": after}
                assert (await search(client, following, headers)).status_code == 200

    expected = {key: 200 if supported(key[0], key[1], key[3]) else 400 for key in outcomes}
    assert outcomes == expected


async def test_the_list_and_a_search_over_every_pipeline_run_on_sqlite(
    client: httpx.AsyncClient,
) -> None:
    listed = await client.get("/crm/v3/objects/tickets?limit=2", headers=ADMIN)
    everything = await search(client, {"sorts": ["-hs_lastmodifieddate"], "limit": 3})

    assert listed.status_code == 200
    assert len(listed.json()["results"]) == 2
    assert everything.status_code == 200
    assert everything.json()["total"] == 4
