"""Custom ticket properties and required status properties, defined in the pipeline service,
reach the ticket service's replicas (`ticket.property-definitions`, `ticket.pipeline-snapshots`)
and decide what a ticket update may do."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

SEVERITY = {
    "name": "severity",
    "label": "Severity",
    "type": "enumeration",
    "fieldType": "select",
    "groupName": "ticketinformation",
    "options": [{"label": "Minor", "value": "minor"}, {"label": "Major", "value": "major"}],
}


async def test_a_required_custom_status_property_is_enforced_by_the_ticket_service(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    headers = {"Authorization": f"Bearer {account['token']}"}
    pipeline_url, ticket_url = suite.services["pipeline"].url, suite.services["ticket"].url
    async with httpx.AsyncClient(headers=headers) as client:
        ticket = await create_ticket_when_replicated(client, suite, account["token"], "Help")
        defined = await client.post(f"{pipeline_url}/crm/v3/properties/tickets", json=SEVERITY)
        assert defined.status_code == 201, defined.text
        listed = await client.put(
            f"{pipeline_url}/settings/v1/ticket-pipelines/default/statuses/3/properties",
            json={"properties": [{"name": "severity", "required": True}]},
        )
        assert listed.status_code == 200, listed.text

        # Both replicas catch up within moments: severity is taken, then required in status 3.
        await until_answered(client, f"{ticket_url}/crm/v3/objects/tickets", "1", 201, "minor")
        await until_answered(client, f"{ticket_url}/crm/v3/objects/tickets", "3", 422)

        tickets = f"{ticket_url}/crm/v3/objects/tickets/{ticket['id']}"
        missing = await client.patch(tickets, json={"properties": {"hs_pipeline_stage": "3"}})
        wrong = await client.patch(
            tickets, json={"properties": {"hs_pipeline_stage": "3", "severity": "catastrophic"}}
        )
        right = await client.patch(
            tickets, json={"properties": {"hs_pipeline_stage": "3", "severity": "major"}}
        )

    assert missing.status_code == 422, missing.text
    assert [e["in"] for e in missing.json()["errors"]] == ["severity"]
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["errors"][0]["in"] == "severity"
    assert right.status_code == 200, right.text
    assert right.json()["properties"]["severity"] == "major"


async def until_answered(
    client: httpx.AsyncClient, url: str, status_id: str, expected: int, severity: str = ""
) -> dict[str, Any]:
    """Create probe tickets until one into `status_id` answers `expected`."""
    properties = {"subject": "probe", "hs_pipeline_stage": status_id, "severity": severity}
    for _ in range(100):
        response = await client.post(url, json={"properties": properties})
        if response.status_code == expected:
            answer: dict[str, Any] = response.json()
            return answer
        assert response.status_code in (201, 400), response.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"the ticket service never answered {expected}: {response.text}")
