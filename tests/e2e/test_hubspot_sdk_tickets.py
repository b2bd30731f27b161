"""The official `hubspot-api-client` SDK, unchanged and pointed at our host, creates, reads,
updates, pages through and archives tickets against the running services; and a status change
over PATCH reaches the real broker as `ticket.status_changed`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInput, SimplePublicObjectInputForCreate
from hubspot.crm.tickets.exceptions import ApiException

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated
from ticketflow_contracts import EVENTS_EXCHANGE

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


def drive_the_sdk(host: str, token: str) -> dict[str, Any]:
    """Synchronous, like the SDK; run in a thread."""
    tickets = HubSpot(access_token=token, host=host).crm.tickets.basic_api
    seen: dict[str, Any] = {}

    created = tickets.create(
        SimplePublicObjectInputForCreate(
            properties={
                "subject": "Printer on fire",
                "hs_pipeline": "default",
                "hs_pipeline_stage": "1",
                "hs_ticket_priority": "HIGH",
            }
        )
    )
    seen["created"] = (created.properties["subject"], created.properties["hs_pipeline_stage"])
    fetched = tickets.get_by_id(created.id, properties=["subject", "hs_ticket_priority"])
    seen["fetched"] = (fetched.id, fetched.properties["hs_ticket_priority"])
    updated = tickets.update(
        created.id, SimplePublicObjectInput(properties={"hs_pipeline_stage": "4"})
    )
    seen["updated"] = (updated.properties["hs_pipeline_stage"], updated.properties["hs_is_closed"])
    seen["closed_date_set"] = bool(updated.properties.get("closed_date"))

    second = tickets.create(SimplePublicObjectInputForCreate(properties={"subject": "Second"}))
    seen["ids"] = [created.id, second.id]
    seen["paged"], after, pages = [], None, 0
    while pages < 10:
        page = tickets.get_page(limit=2, after=after)
        seen["paged"] += [t.id for t in page.results]
        pages += 1
        if page.paging is None:
            break
        after = page.paging.next.after
    seen["pages"] = pages

    tickets.archive(created.id)
    try:
        tickets.get_by_id(created.id)
    except ApiException as exc:
        seen["after_archive"] = exc.status
    seen["archived_fetch"] = tickets.get_by_id(created.id, archived=True).archived
    return seen


async def test_the_hubspot_sdk_creates_reads_updates_pages_and_archives_tickets(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient() as client:
        # Waits until the account's default pipeline reached the ticket service's replica.
        warm_up = await create_ticket_when_replicated(client, suite, account["token"], "warm-up")

    seen = await asyncio.to_thread(drive_the_sdk, suite.services["ticket"].url, account["token"])

    assert seen["created"] == ("Printer on fire", "1")
    assert seen["fetched"][1] == "HIGH"
    assert seen["updated"] == ("4", "true")
    assert seen["closed_date_set"]
    assert sorted(seen["paged"]) == sorted([warm_up["id"], *seen["ids"]])
    assert seen["pages"] >= 2
    assert seen["after_archive"] == 404
    assert seen["archived_fetch"] is True


async def test_a_status_change_over_patch_is_published_as_ticket_status_changed(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    headers = {"Authorization": f"Bearer {account['token']}"}
    connection = await aio_pika.connect(suite.amqp_url)
    async with connection, httpx.AsyncClient() as client:
        channel = await connection.channel()
        watch = await channel.declare_queue(exclusive=True)
        await watch.bind(await channel.get_exchange(EVENTS_EXCHANGE), "ticket.status_changed.#")
        ticket = await create_ticket_when_replicated(client, suite, account["token"], "Help")

        response = await client.patch(
            f"{suite.services['ticket'].url}/crm/v3/objects/tickets/{ticket['id']}",
            json={"properties": {"hs_pipeline_stage": "2"}},
            headers=headers | {"If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text

        envelope = await first_event_of(watch, account["account_id"])

    assert envelope["type"] == "ticket.status_changed"
    assert envelope["account_id"] == account["account_id"]
    payload = envelope["payload"]
    assert (payload["ticket_id"], payload["from_status_id"], payload["to_status_id"]) == (
        ticket["id"],
        "1",
        "2",
    )
    assert (payload["from_state"], payload["to_state"]) == ("OPEN", "OPEN")
    assert payload["actor"]["kind"] == "user"


async def first_event_of(queue: aio_pika.abc.AbstractQueue, account_id: str) -> dict[str, Any]:
    """The first envelope published for `account_id`; the suite is shared, so events of
    other tests' accounts may arrive first and are skipped."""
    try:
        async with asyncio.timeout(5):
            while True:
                message = await queue.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                envelope: dict[str, Any] = json.loads(message.body)
                if envelope["account_id"] == account_id:
                    return envelope
    except TimeoutError:
        raise AssertionError("no ticket.status_changed arrived") from None
