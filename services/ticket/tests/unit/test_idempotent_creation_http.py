"""Idempotency-Key on POST /crm/v3/objects/tickets and .../batch/create: a repeated request
answers the tickets it created (`Idempotent-Replayed: true`) and creates none again; a batch cut
off midway and retried with its key ends with each input created exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.sqlite import SqliteStore, SqliteTransaction
from ticketflow_ticket.adapters.repository import TICKETS

from .queries_support import ADMIN, URL, bearer, serving

BATCH_CREATE = f"{URL}/batch/create"
KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def ticket(subject: str) -> dict[str, Any]:
    return {"properties": {"hs_pipeline": "p1", "hs_pipeline_stage": "new", "subject": subject}}


def batch(*subjects: str) -> dict[str, Any]:
    return {"inputs": [ticket(s) for s in subjects]}


def keyed(key: str, headers: dict[str, str] = ADMIN) -> dict[str, str]:
    return {**headers, KEY: key}


def ids(response: httpx.Response) -> list[str]:
    return [str(t["id"]) for t in response.json()["results"]]


async def subjects(client: httpx.AsyncClient) -> list[str]:
    """Every live ticket's subject, sorted: duplicates show twice."""
    response = await client.get(URL, params={"limit": 100, "properties": "subject"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert "paging" not in response.json()
    return sorted(t["properties"]["subject"] for t in response.json()["results"])


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(MemoryStore()) as client:
        yield client


async def test_a_repeated_create_with_a_key_answers_the_same_ticket_and_creates_none(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(URL, json=ticket("Printer"), headers=keyed("create-1"))
    again = await client.post(URL, json=ticket("Printer"), headers=keyed("create-1"))

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["properties"] == first.json()["properties"]
    assert await subjects(client) == ["Printer"]


async def test_a_repeated_batch_create_with_a_key_answers_the_same_ids_without_duplicates(
    client: httpx.AsyncClient,
) -> None:
    body = batch("One", "Two", "Three")

    first = await client.post(BATCH_CREATE, json=body, headers=keyed("batch-1"))
    again = await client.post(BATCH_CREATE, json=body, headers=keyed("batch-1"))

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert ids(again) == ids(first)
    assert len(set(ids(first))) == 3
    assert await subjects(client) == ["One", "Three", "Two"]


async def test_a_key_reused_with_another_body_is_a_422_naming_the_header_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    await client.post(URL, json=ticket("Printer"), headers=keyed("k"))
    await client.post(BATCH_CREATE, json=batch("One"), headers=keyed("b"))

    other_single = await client.post(URL, json=ticket("Scanner"), headers=keyed("k"))
    other_batch = await client.post(BATCH_CREATE, json=batch("One", "Two"), headers=keyed("b"))
    batch_key_on_single = await client.post(URL, json=ticket("One"), headers=keyed("b"))

    for refused in (other_single, other_batch, batch_key_on_single):
        assert refused.status_code == 422, refused.text
        assert [e["in"] for e in refused.json()["errors"]] == [KEY]
    assert await subjects(client) == ["One", "Printer"]


async def test_without_a_key_every_create_makes_a_new_ticket(client: httpx.AsyncClient) -> None:
    singles = [await client.post(URL, json=ticket("Same"), headers=ADMIN) for _ in range(2)]
    batches = [await client.post(BATCH_CREATE, json=batch("Batch"), headers=ADMIN) for _ in "ab"]

    assert [r.status_code for r in (*singles, *batches)] == [201] * 4
    assert all(REPLAYED not in r.headers for r in (*singles, *batches))
    assert singles[0].json()["id"] != singles[1].json()["id"]
    assert ids(batches[0]) != ids(batches[1])
    assert await subjects(client) == ["Batch", "Batch", "Same", "Same"]


async def test_another_users_same_key_is_a_key_of_their_own(client: httpx.AsyncClient) -> None:
    other = bearer("x")
    mine = await client.post(URL, json=ticket("Same"), headers=keyed("shared"))
    theirs = await client.post(URL, json=ticket("Same"), headers=keyed("shared", other))
    theirs_again = await client.post(URL, json=ticket("Same"), headers=keyed("shared", other))
    mine_batch = await client.post(BATCH_CREATE, json=batch("B"), headers=keyed("shared-b"))
    theirs_batch = await client.post(
        BATCH_CREATE, json=batch("B"), headers=keyed("shared-b", other)
    )

    assert [r.status_code for r in (mine, theirs, mine_batch, theirs_batch)] == [201] * 4
    assert REPLAYED not in theirs.headers
    assert REPLAYED not in theirs_batch.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert ids(mine_batch) != ids(theirs_batch)
    assert theirs_again.headers[REPLAYED] == "true"
    assert theirs_again.json()["id"] == theirs.json()["id"]
    assert await subjects(client) == ["B", "B", "Same", "Same"]


async def test_a_key_over_200_characters_or_empty_is_a_400_naming_the_header(
    client: httpx.AsyncClient,
) -> None:
    longest = await client.post(URL, json=ticket("Ok"), headers=keyed("k" * 200))
    too_long = await client.post(URL, json=ticket("No"), headers=keyed("k" * 201))
    empty = await client.post(BATCH_CREATE, json=batch("No"), headers=keyed(""))

    assert longest.status_code == 201, longest.text
    for refused in (too_long, empty):
        assert refused.status_code == 400, refused.text
        assert [e["in"] for e in refused.json()["errors"]] == [KEY]
    assert await subjects(client) == ["Ok"]


async def test_a_refused_input_is_reported_again_on_a_replay_and_the_others_once(
    client: httpx.AsyncClient,
) -> None:
    body = {"inputs": [ticket("Good"), {"properties": {"hs_pipeline_stage": "nowhere"}}]}

    first = await client.post(BATCH_CREATE, json=body, headers=keyed("partly"))
    again = await client.post(BATCH_CREATE, json=body, headers=keyed("partly"))

    assert (first.status_code, again.status_code) == (207, 207), again.text
    assert ids(again) == ids(first)
    assert again.json()["errors"][0]["context"] == {"index": ["1"]}
    assert await subjects(client) == ["Good"]


# -- cut off midway, on SQLite -------------------------------------------------------------


class CutOff(Exception):
    """The request's process died (or its connection dropped) mid-batch."""


class CutOffStore(SqliteStore):
    """SQLite that fails the `at`-th ticket insertion once, as a crash in that input's unit of
    work would: that input rolls back, those before it stay committed."""

    def __init__(self, path: Path, at: int):
        super().__init__(path)
        self.at: int | None = at
        self.inserted = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with super().transaction() as tx:
            tx.put = self._cutting(tx.put)  # type: ignore[method-assign]  # the fault injected
            yield tx

    def _cutting(
        self, put: Callable[..., Awaitable[dict[str, Any]]]
    ) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def cutting_put(
            collection: str, document: dict[str, Any], *, expected_version: int | None
        ) -> dict[str, Any]:
            if collection == TICKETS and expected_version is None and self.at is not None:
                self.inserted += 1
                if self.inserted == self.at:
                    self.at = None
                    raise CutOff
            return await put(collection, document, expected_version=expected_version)

        return cutting_put


async def test_a_batch_cut_off_midway_and_retried_with_its_key_creates_each_input_once(
    tmp_path: Path,
) -> None:
    body = batch("A", "B", "C", "D", "E")
    async with serving(CutOffStore(tmp_path / "ticket.sqlite3", at=3)) as client:
        with pytest.raises(CutOff):
            await client.post(BATCH_CREATE, json=body, headers=keyed("cut"))
        assert await subjects(client) == ["A", "B"]

        retried = await client.post(BATCH_CREATE, json=body, headers=keyed("cut"))
        again = await client.post(BATCH_CREATE, json=body, headers=keyed("cut"))

        assert retried.status_code == 201, retried.text
        assert retried.headers[REPLAYED] == "true"
        assert [t["properties"]["subject"] for t in retried.json()["results"]] == list("ABCDE")
        assert ids(again) == ids(retried)
        assert await subjects(client) == list("ABCDE")


async def test_concurrent_attempts_under_one_key_create_each_input_once(tmp_path: Path) -> None:
    body = batch("A", "B", "C")
    async with serving(SqliteStore(tmp_path / "ticket.sqlite3")) as client:
        answers = await asyncio.gather(
            *(client.post(BATCH_CREATE, json=body, headers=keyed("race")) for _ in range(3))
        )

        assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
        assert ids(answers[0]) == ids(answers[1]) == ids(answers[2])
        assert await subjects(client) == ["A", "B", "C"]
