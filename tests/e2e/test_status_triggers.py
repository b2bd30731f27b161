"""Status-update triggers across real processes, the real broker and real SMTP, on the
default pipeline's default triggers ("Waiting on contact" when an email is sent from the
ticket record, "Waiting on us" when the customer replies): each step asserts the ticket's
status and its timeline."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.email_channel import Inbox, connected_inbox, email
from tests.e2e.suite import Suite
from tests.e2e.test_email_tickets import conversation_of, ticket_of_conversation, timeline

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

NEW, WAITING_ON_CONTACT, WAITING_ON_US = "1", "2", "3"
ANN = "Ann <ann@example.org>"


async def status_of(suite: Suite, inbox: Inbox, ticket_id: str) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{suite.services['ticket'].url}/crm/v3/objects/tickets/{ticket_id}",
            headers=inbox.headers,
        )
    assert response.status_code == 200, response.text
    return str(response.json()["properties"]["hs_pipeline_stage"])


async def status_becomes(suite: Suite, inbox: Inbox, ticket_id: str, expected: str) -> None:
    for _ in range(150):
        if await status_of(suite, inbox, ticket_id) == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} never reached {expected}")


async def stays(suite: Suite, inbox: Inbox, ticket_id: str, expected: str) -> None:
    """Still in `expected` once the event that must not move it has surely been handled."""
    await asyncio.sleep(1.5)
    assert await status_of(suite, inbox, ticket_id) == expected


async def trigger_moves(suite: Suite, inbox: Inbox, ticket_id: str) -> list[dict[str, Any]]:
    return [
        e["details"]
        for e in await timeline(suite, inbox, ticket_id)
        if e["type"] == "STATUS_CHANGED" and e["details"].get("trigger")
    ]


async def send_from(suite: Suite, inbox: Inbox, path: str, text: str) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.post(path, json={"text": text}, headers=inbox.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def was_sent(inbox: Inbox, message_id: str) -> None:
    for _ in range(150):
        if any(
            e["payload"]["message_id"] == message_id
            for e in inbox.of_account("conversation.message_sent")
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} was never sent")


async def put_triggers(suite: Suite, inbox: Inbox, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.put(
            f"{suite.services['pipeline'].url}/settings/v1/ticket-pipelines/default/automation/triggers",
            json=body,
            headers=inbox.headers,
        )
    assert response.status_code == 200, response.text


async def test_replies_and_emails_from_the_ticket_move_it_and_nothing_else_does(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        await inbox.send(email(ANN, inbox.address, "Printer on fire", message_id="<t1@x>"))
        conversation = await conversation_of(inbox, "t1@x")
        ticket_id = await ticket_of_conversation(inbox, conversation["id"])
        ticket_url = f"{suite.services['ticket'].url}/crm/v3/extensions/tickets/{ticket_id}"
        channels_url = (
            f"{suite.services['channels'].url}/channels/v1/conversations/{conversation['id']}"
        )
        assert await status_of(suite, inbox, ticket_id) == NEW

        # The customer replies in the thread: "Waiting on us".
        await inbox.send(
            email(ANN, inbox.address, "Re: Printer", message_id="<t2@x>", in_reply_to="<t1@x>")
        )
        await status_becomes(suite, inbox, ticket_id, WAITING_ON_US)

        # An agent writes from the ticket record: "Waiting on contact".
        sent = await send_from(suite, inbox, f"{ticket_url}/emails", "We are on it.")
        await status_becomes(suite, inbox, ticket_id, WAITING_ON_CONTACT)

        # From the contact record: no move.
        from_contact = await send_from(
            suite, inbox, f"{channels_url}/messages", "From the contact page."
        )
        await was_sent(inbox, from_contact)
        await stays(suite, inbox, ticket_id, WAITING_ON_CONTACT)

        # A forward, and a reply to the forward: no move.
        await inbox.send(
            email(ANN, inbox.address, "Fwd: invoice", message_id="<t3@x>", in_reply_to="<t2@x>")
        )
        await inbox.send(
            email(ANN, inbox.address, "Re: Fwd: invoice", message_id="<t4@x>", in_reply_to="<t3@x>")
        )
        await inbox.event_for("t4@x")
        await stays(suite, inbox, ticket_id, WAITING_ON_CONTACT)

        # The trigger switched off: a reply no longer moves it.
        await put_triggers(
            suite,
            inbox,
            {
                "emailSent": {"enabled": True, "statusId": WAITING_ON_CONTACT},
                "customerReplied": {"enabled": False, "statusId": WAITING_ON_US},
            },
        )
        await asyncio.sleep(1.0)  # the snapshot reaches the ticket service's replica
        await inbox.send(
            email(ANN, inbox.address, "Re: Printer", message_id="<t5@x>", in_reply_to="<t1@x>")
        )
        await inbox.event_for("t5@x")
        await stays(suite, inbox, ticket_id, WAITING_ON_CONTACT)

        moves = await trigger_moves(suite, inbox, ticket_id)

    assert [(m["trigger"], m["toStatusId"]) for m in reversed(moves)] == [
        ("customer_replied", WAITING_ON_US),
        ("email_sent", WAITING_ON_CONTACT),
    ]
    assert moves[0]["triggerMessageId"] == sent
