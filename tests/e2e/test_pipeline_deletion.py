"""The pipeline deletion saga across real processes and the real broker: a pipeline or a
status holding tickets is not deleted (unless its tickets move), an empty one is and then
takes no ticket, and no ticket created in a race with the deletion ends up in it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

PIPELINES = "/crm/v3/pipelines/tickets"
TICKETS = "/crm/v3/objects/tickets"


class Api:
    """One account's calls to the pipeline and ticket services."""

    def __init__(self, client: httpx.AsyncClient, suite: Suite, token: str):
        self.client = client
        self.pipeline_url = suite.services["pipeline"].url
        self.ticket_url = suite.services["ticket"].url
        self.headers = {"Authorization": f"Bearer {token}"}

    async def new_pipeline(self, label: str) -> dict[str, Any]:
        """A pipeline with stages New (open) and Done (closed), once the ticket service knows it."""
        stages = [
            {"label": "New", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
            {"label": "Done", "displayOrder": 1, "metadata": {"ticketState": "CLOSED"}},
        ]
        body = {"label": label, "displayOrder": 1, "stages": stages}
        response = await self.client.post(
            self.pipeline_url + PIPELINES, json=body, headers=self.headers
        )
        assert response.status_code == 201, response.text
        pipeline: dict[str, Any] = response.json()
        await self.until_replicated(pipeline["id"])
        return pipeline

    async def until_replicated(self, pipeline_id: str) -> None:
        """Probe with a stage that does not exist: the ticket service names hs_pipeline
        while it does not know the pipeline yet, then hs_pipeline_stage. Creates nothing."""
        for _ in range(100):
            response = await self.post_ticket(pipeline_id, "no-such-stage")
            assert response.status_code == 400, response.text
            if [e["in"] for e in response.json()["errors"]] == ["hs_pipeline_stage"]:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"pipeline {pipeline_id} never reached the ticket service")

    async def post_ticket(self, pipeline_id: str, stage_id: str) -> httpx.Response:
        body = {"properties": {"hs_pipeline": pipeline_id, "hs_pipeline_stage": stage_id}}
        return await self.client.post(self.ticket_url + TICKETS, json=body, headers=self.headers)

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"{self.ticket_url}{TICKETS}/{ticket_id}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    async def delete(self, path: str) -> httpx.Response:
        return await self.client.delete(self.pipeline_url + PIPELINES + path, headers=self.headers)

    async def pipeline_ids(self) -> set[str]:
        response = await self.client.get(self.pipeline_url + PIPELINES, headers=self.headers)
        assert response.status_code == 200, response.text
        return {p["id"] for p in response.json()["results"]}


def stage_id(pipeline: dict[str, Any], label: str) -> str:
    return str(next(s["id"] for s in pipeline["stages"] if s["label"] == label))


async def test_a_pipeline_holding_a_ticket_is_not_deleted(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        billing = await api.new_pipeline("Billing")
        created = await api.post_ticket(billing["id"], stage_id(billing, "New"))
        assert created.status_code == 201, created.text

        refused = await api.delete(f"/{billing['id']}")

        assert refused.status_code == 409, refused.text
        assert refused.json()["category"] == "CONFLICT"
        assert "holds 1 ticket" in refused.json()["message"]
        assert billing["id"] in await api.pipeline_ids()
        again = await api.post_ticket(billing["id"], stage_id(billing, "Done"))
        assert again.status_code == 201, again.text


async def test_an_empty_pipeline_is_deleted_and_then_takes_no_ticket(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        empty = await api.new_pipeline("Empty")

        deleted = await api.delete(f"/{empty['id']}")

        assert deleted.status_code == 204, deleted.text
        assert empty["id"] not in await api.pipeline_ids()
        refused = await api.post_ticket(empty["id"], stage_id(empty, "New"))
        assert refused.status_code == 400, refused.text
        assert [e["in"] for e in refused.json()["errors"]] == ["hs_pipeline"]


async def test_a_status_deleted_with_move_tickets_to_hands_its_tickets_over(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        ticket = await create_ticket_when_replicated(client, suite, account["token"], "Moving")
        assert ticket["properties"]["hs_pipeline_stage"] == "1"

        deleted = await api.delete("/default/stages/1?moveTicketsTo=2")

        assert deleted.status_code == 204, deleted.text
        moved = await api.ticket(ticket["id"])
        assert moved["properties"]["hs_pipeline"] == "default"
        assert moved["properties"]["hs_pipeline_stage"] == "2"
        refused = await api.post_ticket("default", "1")
        assert refused.status_code == 400, refused.text


async def race(
    api: Api, pipeline: dict[str, Any], first_creation_at: float
) -> tuple[httpx.Response, list[httpx.Response]]:
    """DELETE the pipeline at 0 s while 30 tickets are created in it, one every millisecond
    from `first_creation_at` (negative: before the DELETE)."""
    start = min(first_creation_at, 0.0)

    async def delete() -> httpx.Response:
        await asyncio.sleep(-start)
        return await api.delete(f"/{pipeline['id']}")

    async def create(at: float) -> httpx.Response:
        await asyncio.sleep(at - start)
        return await api.post_ticket(pipeline["id"], stage_id(pipeline, "New"))

    deletion, *creations = await asyncio.gather(
        delete(), *(create(first_creation_at + i * 0.001) for i in range(30))
    )
    return deletion, creations


async def test_no_ticket_created_in_a_race_with_the_deletion_lives_in_a_deleted_pipeline(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        for first_creation_at in (-0.005, 0.0, 0.003, 0.006, 0.01):
            pipeline = await api.new_pipeline(f"Race {first_creation_at}")

            deletion, creations = await race(api, pipeline, first_creation_at)

            assert deletion.status_code in (204, 409), deletion.text
            assert {c.status_code for c in creations} <= {201, 400}, [c.text for c in creations]
            created = [c.json()["id"] for c in creations if c.status_code == 201]
            still_listed = pipeline["id"] in await api.pipeline_ids()
            assert still_listed == (deletion.status_code == 409)
            if created:
                assert still_listed, f"{len(created)} tickets live in a deleted pipeline"
            for ticket_id in created:
                assert (await api.ticket(ticket_id))["properties"]["hs_pipeline"] == pipeline["id"]
            if deletion.status_code == 409:
                held = re.search(r"holds (\d+) tickets?", deletion.json()["message"])
                assert held, deletion.text
                assert 1 <= int(held.group(1)) <= len(created)
