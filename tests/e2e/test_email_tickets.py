"""Connected channels create tickets, across real processes, the real broker and real SMTP: a
new email makes exactly one ticket (source EMAIL, its subject, the contact associated, read
by the official SDK too), a reply joins it (its timeline shows it; the conversation shows the
ticket); an auto-reply makes none, and once "create tickets" is off a new email makes none."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hubspot import HubSpot

from tests.e2e.email_channel import Inbox, connected_inbox, email
from tests.e2e.suite import Suite

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def conversation_of(inbox: Inbox, email_message_id: str) -> dict[str, Any]:
    event = await inbox.event_for(email_message_id)
    async with httpx.AsyncClient() as client:
        found: dict[str, Any] = await inbox.get(
            client, f"/channels/v1/conversations/{event['thread_id']}"
        )
    return found


async def ticket_of_conversation(inbox: Inbox, conversation_id: str) -> str:
    """The ticket id the conversation shows, once channels heard of it (`ticket.created`)."""
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            found = await inbox.get(client, f"/channels/v1/conversations/{conversation_id}")
            if found.get("ticketId"):
                return str(found["ticketId"])
            await asyncio.sleep(0.1)
    raise AssertionError(f"conversation {conversation_id} never showed a ticket")


async def tickets(suite: Suite, inbox: Inbox) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            suite.services["ticket"].url + "/crm/v3/objects/tickets",
            params={"limit": 100, "associations": "contacts"},
            headers=inbox.headers,
        )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def timeline(suite: Suite, inbox: Inbox, ticket_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{suite.services['ticket'].url}/crm/v3/extensions/tickets/{ticket_id}/timeline",
            headers=inbox.headers,
        )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["results"]
    return entries


async def eventually_two_messages(suite: Suite, inbox: Inbox, ticket_id: str) -> list[Any]:
    for _ in range(200):
        entries = await timeline(suite, inbox, ticket_id)
        received = [e for e in entries if e["type"] == "MESSAGE_RECEIVED"]
        if len(received) >= 2:
            return received
        await asyncio.sleep(0.1)
    raise AssertionError(f"the reply never reached ticket {ticket_id}'s timeline: {entries}")


def read_with_the_sdk(host: str, token: str, ticket_id: str) -> Any:
    api = HubSpot(access_token=token, host=host).crm.tickets.basic_api
    return api.get_by_id(ticket_id, properties=["subject"], associations=["contacts"])


async def test_an_email_to_a_connected_inbox_makes_one_ticket_and_its_reply_joins_it(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        ann = "Ann Smith <ann@example.org>"
        await inbox.send(email(ann, inbox.address, "Printer on fire", message_id="<t1@x>"))
        conversation = await conversation_of(inbox, "t1@x")
        ticket_id = await ticket_of_conversation(inbox, conversation["id"])

        [ticket] = await tickets(suite, inbox)
        assert ticket["id"] == ticket_id
        async with httpx.AsyncClient() as client:
            full = await client.get(
                f"{suite.services['ticket'].url}/crm/v3/objects/tickets/{ticket_id}",
                params={"associations": "contacts"},
                headers=inbox.headers,
            )
        properties = full.json()["properties"]
        assert properties["source_type"] == "EMAIL"
        assert properties["subject"] == "Printer on fire"
        contact = {"id": conversation["contactId"], "type": "ticket_to_contact"}
        assert full.json()["associations"] == {"contacts": {"results": [contact]}}
        sdk = await asyncio.to_thread(
            read_with_the_sdk, suite.services["ticket"].url, inbox.token, ticket_id
        )
        assert sdk.associations["contacts"].results[0].id == conversation["contactId"]

        reply = email(ann, inbox.address, "Re: Printer", message_id="<t2@x>", in_reply_to="<t1@x>")
        await inbox.send(reply)
        received = await eventually_two_messages(suite, inbox, ticket_id)
        assert len(received) == 2
        assert len(await tickets(suite, inbox)) == 1


async def test_auto_replies_and_a_connection_with_creation_off_make_no_ticket(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        bob = "Bob <bob@example.org>"
        away = {"Auto-Submitted": "auto-replied"}
        auto = email(bob, inbox.address, "Out of office", message_id="<a1@x>", headers=away)
        await inbox.send(auto)
        await inbox.event_for("a1@x", kind="conversation.message_held")

        async with httpx.AsyncClient() as client:
            connections = await inbox.get(client, "/channels/v1/connections")
            [connection] = connections["results"]
            response = await client.patch(
                f"{suite.services['channels'].url}/channels/v1/connections/{connection['id']}",
                json={"createTickets": False},
                headers=inbox.headers,
            )
            assert response.status_code == 200, response.text
        # The ticket service applies the change from its replica queue: give it a moment,
        # then send a new email, and a control email to a second inbox that does create.
        await asyncio.sleep(1.0)
        await inbox.send(email(bob, inbox.address, "New question", message_id="<a2@x>"))
        conversation = await conversation_of(inbox, "a2@x")

        async with connected_inbox(suite) as control:
            await control.send(email(bob, control.address, "Control", message_id="<a3@x>"))
            control_conversation = await conversation_of(control, "a3@x")
            await ticket_of_conversation(control, control_conversation["id"])

        assert await tickets(suite, inbox) == []
        assert conversation.get("ticketId") is None


async def test_an_agent_email_from_the_ticket_record_reaches_the_customer_in_the_thread(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        await inbox.send(
            email("Ann <ann@example.org>", inbox.address, "Broken", message_id="<a1@x>")
        )
        conversation = await conversation_of(inbox, "a1@x")
        ticket_id = await ticket_of_conversation(inbox, conversation["id"])

        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"{suite.services['ticket'].url}/crm/v3/extensions/tickets/{ticket_id}/emails",
                json={"text": "We are on it."},
                headers=inbox.headers,
            )
        assert answer.status_code == 202, answer.text
        message_id = answer.json()["id"]

        for _ in range(200):
            sent = [
                e["payload"]
                for e in inbox.of_account("conversation.message_sent")
                if e["payload"]["message_id"] == message_id
            ]
            if sent:
                break
            await asyncio.sleep(0.1)
        for _ in range(100):
            entries = await timeline(suite, inbox, ticket_id)
            if any(e["type"] == "MESSAGE_SENT" for e in entries):
                break
            await asyncio.sleep(0.1)

    [event] = sent
    assert (event["origin"], event["ticket_id"], event["thread_id"]) == (
        "ticket_record",
        ticket_id,
        conversation["id"],
    )
    assert event["sent_from_ticket"] is True
    assert event["recipients"][0]["address"] == "ann@example.org"
    [entry] = [e for e in entries if e["type"] == "MESSAGE_SENT"]
    assert entry["details"]["sentFromTicket"] is True
    assert f"[#{conversation['threadToken']}]" in entry["details"]["subject"]
