"""Channel connections across real processes and the real broker: a channel connected through
the channels service is listed on its pipeline by the pipeline service, and leaves the list
when it is disconnected; a pipeline a connected channel targets is not deleted until the
channel goes elsewhere."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_pipeline_deletion import Api
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
    client: httpx.AsyncClient,
    suite: Suite,
    headers: dict[str, str],
    expected: list[str],
    pipeline_id: str = "default",
) -> list[dict[str, Any]]:
    """A pipeline's connected channels, once their ids are `expected`."""
    pipelines = f"{suite.services['pipeline'].url}/settings/v1/ticket-pipelines"
    url = f"{pipelines}/{pipeline_id}/channels"
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


async def test_a_pipeline_a_channel_targets_is_deleted_only_once_the_channel_moves(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        headers = api.headers
        billing = await api.new_pipeline("Billing")
        body = {"type": "email", "address": "billing@acme.test", "pipelineId": billing["id"]}
        connection = await connect_when_replicated(client, suite, headers, body)
        await listing_until(client, suite, headers, [connection["id"]], billing["id"])

        refused = await api.delete(f"/{billing['id']}")

        assert refused.status_code == 409, refused.text
        error = refused.json()
        assert error["category"] == "CONFLICT"
        assert f"email 'billing@acme.test' ('{connection['id']}')" in error["message"]
        [detail] = error["errors"]
        assert connection["id"] in detail["message"]
        assert (detail["in"], detail["code"]) == ("pipelineId", "connected_channel")
        assert billing["id"] in await api.pipeline_ids()

        url = f"{suite.services['channels'].url}/channels/v1/connections/{connection['id']}"
        moved = await client.patch(url, json={"pipelineId": "default"}, headers=headers)
        assert moved.status_code == 200, moved.text
        await listing_until(client, suite, headers, [], billing["id"])
        deleted = await api.delete(f"/{billing['id']}")

        assert deleted.status_code == 204, deleted.text
        assert billing["id"] not in await api.pipeline_ids()
        await listing_until(client, suite, headers, [connection["id"]])  # now on default
