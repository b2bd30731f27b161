"""A bulk move across real processes and the real broker: 30 tickets of the default pipeline
move to a second pipeline as a job that answers at once and completes in the background; with
a filter, only the tickets it matches move."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_pipeline_deletion import TICKETS, Api, stage_id
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

MOVES = "/crm/v3/extensions/tickets/moves"


async def until_completed(api: Api, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            response = await api.client.get(
                f"{api.ticket_url}{MOVES}/{job_id}", headers=api.headers
            )
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            assert job["status"] in ("PENDING", "RUNNING", "COMPLETED"), job
            if job["status"] == "COMPLETED":
                return job
            await asyncio.sleep(0.1)


async def test_a_bulk_move_takes_every_ticket_to_the_target_pipeline(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        first = await create_ticket_when_replicated(client, suite, account["token"], "Moving")
        billing = await api.new_pipeline("Billing")
        created = await asyncio.gather(*(api.post_ticket("default", "1") for _ in range(29)))
        assert all(r.status_code == 201 for r in created), [r.text for r in created]
        ticket_ids = [first["id"], *(r.json()["id"] for r in created)]
        body = {
            "from": {"pipelineId": "default", "statusId": "1"},
            "to": {"pipelineId": billing["id"]},
            "statusMapping": {"1": stage_id(billing, "Done")},
        }

        started = await client.post(api.ticket_url + MOVES, json=body, headers=api.headers)

        assert started.status_code == 202, started.text
        assert (started.json()["status"], started.json()["total"]) == ("PENDING", 30)
        job = await until_completed(api, started.json()["id"])
        assert (job["moved"], job["failed"], job["errors"]) == (30, 0, [])
        moved = await asyncio.gather(*(api.ticket(t) for t in ticket_ids))
        assert {
            (t["properties"]["hs_pipeline"], t["properties"]["hs_pipeline_stage"]) for t in moved
        } == {(billing["id"], stage_id(billing, "Done"))}
        assert {t["properties"]["hs_is_closed"] for t in moved} == {"true"}


async def test_a_bulk_move_by_a_filter_takes_only_the_high_priority_tickets(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        await create_ticket_when_replicated(client, suite, account["token"], "No priority")
        billing = await api.new_pipeline("Billing")
        created = await asyncio.gather(
            *(
                client.post(
                    api.ticket_url + TICKETS,
                    json={
                        "properties": {
                            "hs_pipeline": "default",
                            "hs_pipeline_stage": "1",
                            "hs_ticket_priority": priority,
                        }
                    },
                    headers=api.headers,
                )
                for priority in ("HIGH", "LOW", "HIGH", "MEDIUM", "HIGH")
            )
        )
        assert all(r.status_code == 201 for r in created), [r.text for r in created]
        body = {
            "from": {"pipelineId": "default", "statusId": "1"},
            "to": {"pipelineId": billing["id"]},
            "statusMapping": {"1": stage_id(billing, "Done")},
            "filter": {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": "hs_ticket_priority",
                                "operator": "EQ",
                                "value": "HIGH",
                            }
                        ]
                    }
                ]
            },
        }

        started = await client.post(api.ticket_url + MOVES, json=body, headers=api.headers)

        assert started.status_code == 202, started.text
        job = await until_completed(api, started.json()["id"])
        assert (job["total"], job["moved"], job["skipped"], job["failed"]) == (6, 3, 3, 0)
        tickets = await asyncio.gather(*(api.ticket(r.json()["id"]) for r in created))
        assert {
            (t["properties"]["hs_ticket_priority"], t["properties"]["hs_pipeline"]) for t in tickets
        } == {("HIGH", billing["id"]), ("LOW", "default"), ("MEDIUM", "default")}
