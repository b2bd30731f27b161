"""The composed pipeline service documents its messaging in AsyncAPI: what it consumes, with
real schemas, and what it publishes, the saga's command included."""

from __future__ import annotations

import httpx

from ticketflow_chassis.messaging.asyncapi import consumed_messages
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_pipeline.app import build_app
from ticketflow_pipeline.settings import PipelineSettings


async def test_consumed_and_published_messages_are_in_the_asyncapi_document() -> None:
    app = build_app(PipelineSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://pipeline") as client:
        document = (await client.get("/asyncapi.json")).json()

    assert consumed_messages(document) == {
        # the chassis' queue, in every service
        "pipeline.revocations": {"TokenRevoked", "UserDeactivated"},
        "pipeline.retirement-answers": {"StatusesClosed", "StatusesCloseRefused"},
        "pipeline.channel-connections": {
            "ChannelConnectionConnected",
            "ChannelConnectionUpdated",
            "ChannelConnectionDisconnected",
        },
        "pipeline.token-uses": {"TokenUsed"},
    }
    published = {c["address"]: c for c in document["channels"].values()}
    assert (
        "`ticket.close_statuses` on `ticketflow.commands`"
        in (published["ticket.close_statuses"]["description"])
    )
    assert {"pipeline.created", "pipeline.updated", "account.created"} <= set(published)
    assert {"token.revoked", "token.used"} <= set(published)  # token.used: every service
