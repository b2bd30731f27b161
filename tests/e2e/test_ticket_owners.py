"""Ticket owners are the pipeline service's users: a user created through the users API owns a
ticket on the ticket service at once (its replica of users, `ticket.directory`, catches up,
or the write waits for it), and an id that is no user is refused naming hubspot_owner_id."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def test_a_new_user_owns_a_ticket_at_once_and_nobody_at_all_is_refused(suite: Suite) -> None:
    account = await create_account(suite)
    headers = {"Authorization": f"Bearer {account['token']}"}
    pipeline_url, ticket_url = suite.services["pipeline"].url, suite.services["ticket"].url
    async with httpx.AsyncClient(headers=headers) as client:
        await create_ticket_when_replicated(client, suite, account["token"], "Replicated")
        email = f"agent-{uuid.uuid4().hex[:8]}@acme.test"
        user = await client.post(f"{pipeline_url}/settings/v3/users/", json={"email": email})
        assert user.status_code == 201, user.text
        tickets = f"{ticket_url}/crm/v3/objects/tickets"

        def body(owner_id: str) -> dict[str, dict[str, str]]:
            return {"properties": {"subject": "Help", "hubspot_owner_id": owner_id}}

        owned = await client.post(tickets, json=body(user.json()["id"]))
        refused = await client.post(tickets, json=body("nobody-at-all"))

    assert owned.status_code == 201, owned.text
    assert owned.json()["properties"]["hubspot_owner_id"] == user.json()["id"]
    assert refused.status_code == 400, refused.text
    [error] = refused.json()["errors"]
    assert error["in"] == "hubspot_owner_id"
    assert "nobody-at-all" in error["message"]
