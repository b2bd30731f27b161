"""The composed ticket service documents the timeline: its queue and bindings in AsyncAPI, its
route in OpenAPI."""

from __future__ import annotations

import httpx

from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_ticket.app import build_app
from ticketflow_ticket.settings import TicketSettings


async def test_the_timeline_queue_and_route_are_documented() -> None:
    app = build_app(TicketSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET))
    transport = httpx.ASGITransport(app=app)  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://ticket") as client:
        asyncapi = (await client.get("/asyncapi.json")).json()
        openapi = (await client.get("/openapi.json")).json()

    [timeline] = [c for c in asyncapi["channels"].values() if "ticket.timeline" in c["address"]]
    for key in ("notification.sent.#", "conversation.message_received.#"):
        assert f"`{key}`" in timeline["description"]
    assert "`ticket.#`" not in timeline["description"]  # its own events: no round trip
    assert "notification.sent" in timeline["description"]
    assert "/crm/v3/extensions/tickets/{ticket_id}/timeline" in openapi["paths"]
