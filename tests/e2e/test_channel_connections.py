"""Channel connections across real processes and the real broker: a channel connected through
the channels service is listed on its pipeline by the pipeline service, and leaves the list
when it is disconnected."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def connect_when_replicated(
    client: httpx.AsyncClient, suite: Suite, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """The default pipeline reaches the channels service's replica within moments of the
    account; until then the target is refused naming `pipelineId`."""
    url = f"{suite.services['channels'].url}/channels/v1/connections"
    for _ in range(100):
        response = await client.post(url, json=body, headers=headers)
        if response.status_code == 201:
            created: dict[str, Any] = response.json()
            return created
        assert response.status_code == 400, response.text
        assert [e.get("in") for e in response.json()["errors"]] == ["pipelineId"]
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"the default pipeline never reached the channels service: {response.text}"
    )


async def listing_until(
    client: httpx.AsyncClient, suite: Suite, headers: dict[str, str], expected: list[str]
) -> list[dict[str, Any]]:
    """The default pipeline's connected channels, once their ids are `expected`."""
    url = f"{suite.services['pipeline'].url}/settings/v1/ticket-pipelines/default/channels"
    for _ in range(100):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        if [c["id"] for c in results] == expected:
            return results
        await asyncio.sleep(0.1)
    raise AssertionError(f"the pipeline service never listed {expected}: {response.text}")


async def test_a_connected_channel_is_listed_on_its_pipeline_until_it_is_disconnected(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    headers = {"Authorization": f"Bearer {account['token']}"}
    body = {"type": "email", "address": "help@acme.test", "pipelineId": "default"}

    async with httpx.AsyncClient() as client:
        connection = await connect_when_replicated(client, suite, headers, body)
        listed = await listing_until(client, suite, headers, [connection["id"]])
        assert listed == [
            {
                "id": connection["id"],
                "type": "email",
                "address": "help@acme.test",
                "createTickets": True,
                "connected": True,
            }
        ]

        url = f"{suite.services['channels'].url}/channels/v1/connections/{connection['id']}"
        assert (await client.delete(url, headers=headers)).status_code == 204
        assert await listing_until(client, suite, headers, []) == []
