"""The composed ticket service documents its messaging in AsyncAPI."""

from __future__ import annotations

import httpx

from ticketflow_chassis.messaging.asyncapi import consumed_messages
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_ticket.app import build_app
from ticketflow_ticket.settings import TicketSettings


async def test_the_asyncapi_document_shows_the_queue_and_the_published_event() -> None:
    app = build_app(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        document = (await client.get("/asyncapi.json")).json()

    channels = document["channels"]
    published = next(c for c in channels.values() if c["address"] == "ticket.created.<source>")
    assert "`<source>` is one of email, chat, messenger" in published["description"]
    assert "Envelope[TicketCreated]" in document["components"]["schemas"]


async def test_every_consumed_message_has_its_envelope_schema_in_the_asyncapi_document() -> None:
    app = build_app(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        document = (await client.get("/asyncapi.json")).json()

    assert consumed_messages(document) == {
        # the chassis' queue, in every service
        "ticket.revocations": {"TokenRevoked", "UserDeactivated"},
        "ticket.pipeline-snapshots": {"PipelineCreated", "PipelineUpdated", "PipelineDeleted"},
        "ticket.directory": {"UserCreated", "UserUpdated", "UserDeactivated"},
        "ticket.property-definitions": {"TicketPropertyDefined", "TicketPropertyArchived"},
        "ticket.commands": {"CloseStatuses"},
        "ticket.timeline": {
            "ConversationMessageReceived",
            "ConversationMessageSent",
            "NotificationSent",
        },
        "ticket.channel-connections": {
            "ChannelConnectionConnected",
            "ChannelConnectionUpdated",
            "ChannelConnectionDisconnected",
        },
        "ticket.inbound-conversations": {"ConversationMessageReceived"},
        "ticket.triggers": {"ConversationMessageSent", "ConversationMessageReceived"},
        "ticket.account-events": {"AccountCreated"},
    }
    close_statuses = document["components"]["schemas"]["CloseStatuses"]
    assert {"pipeline_id", "status_ids", "retirement_id"} <= set(close_statuses["properties"])


async def test_the_asyncapi_document_shows_the_commands_queue_and_the_saga_answers() -> None:
    app = build_app(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        document = (await client.get("/asyncapi.json")).json()

    channels = document["channels"].values()
    [commands] = [c for c in channels if "ticket.commands" in c["address"]]
    assert "`ticket.close_statuses` on `ticketflow.commands`" in commands["description"]
    addresses = {c["address"] for c in channels}
    assert {"ticket.statuses_closed", "ticket.statuses_close_refused"} <= addresses


async def test_the_asyncapi_document_shows_the_ticket_changes_and_the_definitions_queue() -> None:
    app = build_app(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        document = (await client.get("/asyncapi.json")).json()

    addresses = {c["address"] for c in document["channels"].values()}
    assert {
        "ticket.status_changed.<source>",
        "ticket.updated.<source>",
        "ticket.archived.<source>",
    } <= addresses
    assert any("ticket.property-definitions" in a for a in addresses), addresses
