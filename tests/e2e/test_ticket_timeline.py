"""A ticket's timeline over the real broker: the ticket service hears its own events on
`ticket.timeline` and shows them, newest first, at /crm/v3/extensions/tickets/{id}/timeline."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def timeline_with(
    client: httpx.AsyncClient, url: str, count: int, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """The timeline once it holds `count` entries (events reach it within moments)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        if len(results) >= count or asyncio.get_running_loop().time() > deadline:
            return results
        await asyncio.sleep(0.1)


async def test_the_timeline_shows_creation_and_each_status_change_newest_first(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    user_id = account["admin_user_id"]
    ticket_url = suite.services["ticket"].url
    headers = {"Authorization": f"Bearer {account['token']}"}
    async with httpx.AsyncClient(headers=headers) as client:
        ticket = await create_ticket_when_replicated(client, suite, account["token"], "Help")
        for status in ("2", "3"):
            patched = await client.patch(
                f"{ticket_url}/crm/v3/objects/tickets/{ticket['id']}",
                json={"properties": {"hs_pipeline_stage": status}},
            )
            assert patched.status_code == 200, patched.text

        url = f"{ticket_url}/crm/v3/extensions/tickets/{ticket['id']}/timeline"
        entries = await timeline_with(client, url, 3)

    assert [e["type"] for e in entries] == ["STATUS_CHANGED", "STATUS_CHANGED", "TICKET_CREATED"]
    latest, first_change, created = entries
    assert (first_change["details"]["fromStatusId"], first_change["details"]["toStatusId"]) == (
        "1",
        "2",
    )
    assert (latest["details"]["fromStatusId"], latest["details"]["toStatusId"]) == ("2", "3")
    assert latest["actor"] == first_change["actor"] == {"type": "USER", "id": user_id}
    assert created["actor"] == {"type": "USER", "id": user_id}
    assert created["details"]["pipelineId"] == "default"
    assert created["details"]["statusId"] == "1"
    assert latest["occurredAt"] > first_change["occurredAt"] > created["occurredAt"]
