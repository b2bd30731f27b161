"""The official `hubspot-api-client` SDK, unchanged and pointed at a live pipeline service
(uvicorn, in-memory store, real RabbitMQ), drives the ticket properties API; the definition
events leave through the outbox onto `ticketflow.events`."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest
import uvicorn
from hubspot import HubSpot
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyUpdate
from hubspot.crm.properties.exceptions import ApiException

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_contracts import EVENTS_EXCHANGE
from ticketflow_pipeline.app import build_app
from ticketflow_pipeline.settings import PipelineSettings

pytestmark = pytest.mark.rabbitmq

SECRET = "an-sdk-test-secret-that-is-long-enough-for-hs256"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def service(amqp_url: str) -> Iterator[str]:
    """The pipeline service on a free port, until the test ends."""
    port = free_port()
    settings = PipelineSettings(
        store_url="memory://", amqp_url=amqp_url, http_port=port, jwt_secret=SECRET
    )
    config = uvicorn.Config(build_app(settings), host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pipeline-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the pipeline service stopped during start-up"
        assert time.monotonic() < deadline, "the pipeline service did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def admin_token(url: str) -> str:
    operator = Principal("", "ops", frozenset({Role.OPERATOR}), frozenset())
    token = TokenCodec(SECRET, "ticketflow").issue(operator, now=datetime.now(UTC))
    body = {"name": "Acme", "tier": "professional", "admin_email": "ada@acme.test"}
    response = httpx.post(
        f"{url}/admin/v1/accounts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    admin: str = response.json()["token"]
    return admin


def drive_the_sdk(host: str, token: str) -> dict[str, Any]:
    """Synchronous, like the SDK; run in a thread."""
    client = HubSpot(access_token=token)
    core = client.crm.properties.core_api
    core.api_client.configuration.host = host
    seen: dict[str, Any] = {}

    seen["initial"] = {p.name for p in core.get_all("tickets").results}
    created = core.create(
        "tickets",
        PropertyCreate(
            name="product",
            label="Product",
            type="enumeration",
            field_type="select",
            group_name="ticketinformation",
            options=[
                OptionInput(label="Widget", value="widget", display_order=0, hidden=False),
                OptionInput(label="Gadget", value="gadget", display_order=1, hidden=False),
            ],
        ),
    )
    seen["created"] = (created.name, created.type, created.field_type, created.archived)
    seen["metadata"] = created.modification_metadata.archivable
    fetched = core.get_by_name("tickets", "product")
    seen["fetched_options"] = [o.value for o in fetched.options]
    updated = core.update(
        "tickets",
        "product",
        PropertyUpdate(
            label="Product line",
            options=[OptionInput(label="Gizmo", value="gizmo", display_order=0, hidden=False)],
        ),
    )
    seen["updated"] = (updated.label, [o.value for o in updated.options])
    seen["listed"] = {p.name for p in core.get_all("tickets").results}
    try:
        core.create(
            "tickets",
            PropertyCreate(
                name="subject", label="Subject", type="string", field_type="text", group_name="x"
            ),
        )
    except ApiException as exc:
        seen["clash_status"] = exc.status
    core.archive("tickets", "product")
    try:
        core.get_by_name("tickets", "product")
    except ApiException as exc:
        seen["after_archive_status"] = exc.status
    seen["archived"] = [p.name for p in core.get_all("tickets", archived=True).results]
    return seen


async def collect(queue: aio_pika.abc.AbstractQueue, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while len(found) < count and time.monotonic() < deadline:
        message = await queue.get(fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        await message.ack()
        found.append(json.loads(message.body))
    return found


async def test_the_official_sdk_drives_every_ticket_property_call(
    service: str, amqp_url: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(EVENTS_EXCHANGE, "ticket_property.#")
        token = await asyncio.to_thread(admin_token, service)

        seen = await asyncio.to_thread(drive_the_sdk, service, token)
        events = await collect(queue, 3)
    finally:
        await connection.close()

    assert {"subject", "hs_ticket_priority", "createdate"} <= seen["initial"]
    assert "product" not in seen["initial"]
    assert seen["created"] == ("product", "enumeration", "select", False)
    assert seen["metadata"] is True
    assert seen["fetched_options"] == ["widget", "gadget"]
    assert seen["updated"] == ("Product line", ["gizmo"])
    assert "product" in seen["listed"]
    assert seen["clash_status"] == 409
    assert seen["after_archive_status"] == 404
    assert seen["archived"] == ["product"]
    assert [(e["type"], e["payload"]["revision"]) for e in events] == [
        ("ticket_property.defined", 1),
        ("ticket_property.defined", 2),
        ("ticket_property.archived", 3),
    ]
