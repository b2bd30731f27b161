"""The composed notifier documents what it consumes in AsyncAPI, with real schemas."""

from __future__ import annotations

import httpx

from ticketflow_chassis.messaging.asyncapi import consumed_messages
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_notifier.app import build_app
from ticketflow_notifier.settings import NotifierSettings


async def test_every_consumed_message_has_its_envelope_schema_in_the_asyncapi_document() -> None:
    app = build_app(NotifierSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
        document = (await client.get("/asyncapi.json")).json()

    assert consumed_messages(document) == {
        # the chassis' queue, in every service
        "notifier.revocations": {"TokenRevoked", "UserDeactivated"},
        "notifier.ticket-events": {"TicketCreated"},
        "notifier.pipeline-snapshots": {"PipelineCreated", "PipelineUpdated", "PipelineDeleted"},
        "notifier.directory": {
            "UserCreated",
            "UserUpdated",
            "UserDeactivated",
            "TeamCreated",
            "TeamUpdated",
            "TeamDeleted",
        },
    }
    ticket_created = document["components"]["schemas"]["TicketCreated"]
    assert {"ticket_id", "pipeline_id", "status_id"} <= set(ticket_created["properties"])
