"""examples/chat_workflow against the real broker and a running suite: a chat ticket gets its
owner, HIGH priority and one note from the subscriber; an email ticket is left alone (the one
binding `ticket.created.chat` sees only chat tickets)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

EXAMPLE = Path(__file__).parents[2] / "examples" / "chat_workflow" / "workflow.py"


async def create_ticket(
    client: httpx.AsyncClient, suite: Suite, headers: dict[str, str], source: str
) -> str:
    body = {
        "properties": {
            "subject": f"From {source}",
            "hs_pipeline": "default",
            "hs_pipeline_stage": "1",
            "source_type": source,
        }
    }
    for _ in range(100):  # until the ticket service has the account's default pipeline
        response = await client.post(
            f"{suite.services['ticket'].url}/crm/v3/objects/tickets", json=body, headers=headers
        )
        if response.status_code == 201:
            return str(response.json()["id"])
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


async def ticket_state(
    client: httpx.AsyncClient, suite: Suite, headers: dict[str, str], ticket_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    base = suite.services["ticket"].url
    ticket = await client.get(
        f"{base}/crm/v3/objects/tickets/{ticket_id}",
        params={"properties": "hubspot_owner_id,hs_ticket_priority"},
        headers=headers,
    )
    timeline = await client.get(
        f"{base}/crm/v3/extensions/tickets/{ticket_id}/timeline", headers=headers
    )
    return ticket.json()["properties"], timeline.json()["results"]


async def test_the_example_routes_chat_tickets_and_leaves_the_others(
    suite: Suite, tmp_path: Path
) -> None:
    account = await create_account(suite)
    headers = {"Authorization": f"Bearer {account['token']}"}
    async with httpx.AsyncClient(timeout=30) as client:
        users = await client.get(
            f"{suite.services['pipeline'].url}/settings/v3/users/", headers=headers
        )
        owner = users.json()["results"][0]["id"]
        env = dict(
            os.environ,
            AMQP_URL=suite.amqp_url,
            TICKETFLOW_TICKET_URL=suite.services["ticket"].url,
            TICKETFLOW_TOKEN=account["token"],
            CHAT_OWNER_ID=owner,
            CHAT_WORKFLOW_QUEUE=f"chat-workflow-{account['account_id']}",
            CHAT_WORKFLOW_DONE_FILE=str(tmp_path / "done.txt"),
        )
        with (tmp_path / "workflow.log").open("wb") as log:
            workflow = await asyncio.create_subprocess_exec(
                sys.executable, str(EXAMPLE), env=env, stdout=log, stderr=log
            )
        try:
            await asyncio.sleep(3)  # its queue declared and bound before the events
            assert workflow.returncode is None, (tmp_path / "workflow.log").read_text()
            chat = await create_ticket(client, suite, headers, "CHAT")
            email = await create_ticket(client, suite, headers, "EMAIL")
            for _ in range(150):
                properties, timeline = await ticket_state(client, suite, headers, chat)
                notes = [e for e in timeline if e["type"] == "NOTE_ADDED"]
                if notes and properties.get("hubspot_owner_id") == owner:
                    break
                await asyncio.sleep(0.1)
            email_properties, email_timeline = await ticket_state(client, suite, headers, email)
        finally:
            workflow.send_signal(signal.SIGTERM)
            await asyncio.wait_for(workflow.wait(), 15)

    assert (properties["hubspot_owner_id"], properties["hs_ticket_priority"]) == (owner, "HIGH")
    assert [n["details"]["body"] for n in notes] == [
        f"Chat workflow: assigned to {owner}, priority HIGH."
    ]
    assert email_properties.get("hubspot_owner_id") in (None, "")
    assert [e for e in email_timeline if e["type"] == "NOTE_ADDED"] == []
