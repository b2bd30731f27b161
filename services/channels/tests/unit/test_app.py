"""The composed channels service documents its messaging in AsyncAPI and serves its routes."""

from __future__ import annotations

import httpx

from ticketflow_channels.app import build_app
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.messaging.asyncapi import consumed_messages
from ticketflow_chassis.testing import TEST_JWT_SECRET


async def test_the_asyncapi_document_shows_the_pipeline_queue_and_the_connection_events() -> None:
    app = build_app(ChannelsSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        document = (await client.get("/asyncapi.json")).json()
        unauthenticated = await client.get("/channels/v1/connections")

    channels = document["channels"].values()
    addresses = {c["address"] for c in channels}
    assert {
        "channel_connection.connected",
        "channel_connection.updated",
        "channel_connection.disconnected",
        "contact.created",
        "contact.updated",
        "conversation.message_received.<source>",
        "conversation.message_held.<source>",
        "conversation.message_sent.<source>",
        "conversation.message_failed.<source>",
    } <= addresses, addresses
    assert consumed_messages(document) == {
        # the chassis' queue, in every service
        "channels.revocations": {"TokenRevoked", "UserDeactivated"},
        "channels.account-events": {"AccountCreated"},
        "channels.pipeline-snapshots": {"PipelineCreated", "PipelineUpdated", "PipelineDeleted"},
        "channels.email-ingest": {"IngestEmail"},
        "channels.send-messages": {"SendMessage"},
        "channels.ticket-events": {"TicketCreated"},
    }
    assert unauthenticated.status_code == 401
