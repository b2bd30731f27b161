"""The walking skeleton across real processes and the real broker: an account's default
pipeline reaches the ticket service, a ticket is created over HTTP, the notifier records it;
a ticket service killed between commit and publish still delivers `ticket.created` once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import httpx
import pytest

from tests.e2e.suite import Suite
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_contracts import EVENTS_EXCHANGE

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def cli_answer(suite: Suite, *args: str) -> dict[str, Any]:
    """`python -m ticketflow_cli ARGS` against the suite's pipeline service; its JSON answer."""
    env = dict(
        os.environ,
        TICKETFLOW_PIPELINE_URL=suite.services["pipeline"].url,
        TICKETFLOW_JWT_SECRET=TEST_JWT_SECRET,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ticketflow_cli",
        *args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    answer: dict[str, Any] = json.loads(out)
    return answer


async def create_account(suite: Suite, tier: str = "professional") -> dict[str, Any]:
    return await cli_answer(
        suite, "account", "create", "Acme Support", "--tier", tier, "--admin-email", "ada@acme.test"
    )


async def create_ticket_when_replicated(
    client: httpx.AsyncClient, suite: Suite, token: str, subject: str
) -> dict[str, Any]:
    """The pipeline snapshot reaches the ticket service's replica within moments of the account."""
    body = {"properties": {"subject": subject, "hs_pipeline": "default", "hs_pipeline_stage": "1"}}
    for _ in range(100):
        response = await client.post(
            f"{suite.services['ticket'].url}/crm/v3/objects/tickets",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 201:
            created: dict[str, Any] = response.json()
            return created
        assert response.status_code == 400, response.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"the default pipeline never reached the ticket service: {response.text}")


async def notifier_record(
    client: httpx.AsyncClient, suite: Suite, token: str, ticket_id: str
) -> dict[str, Any]:
    url = f"{suite.services['notifier'].url}/notifier/v1/tickets/{ticket_id}"
    for _ in range(150):
        response = await client.get(url, headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200:
            record: dict[str, Any] = response.json()
            return record
        assert response.status_code == 404, response.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"the notifier never recorded ticket {ticket_id}")


async def test_an_account_and_a_ticket_flow_through_all_services(suite: Suite) -> None:
    account = await create_account(suite)
    token = account["token"]
    assert account["account_id"]

    async with httpx.AsyncClient() as client:
        pipelines = await client.get(
            f"{suite.services['pipeline'].url}/crm/v3/pipelines/tickets",
            headers={"Authorization": f"Bearer {token}"},
        )
        [support] = pipelines.json()["results"]
        assert support["id"] == "default"
        assert [(s["label"], s["metadata"]["ticketState"]) for s in support["stages"]] == [
            ("New", "OPEN"),
            ("Waiting on contact", "OPEN"),
            ("Waiting on us", "OPEN"),
            ("Closed", "CLOSED"),
        ]

        ticket = await create_ticket_when_replicated(client, suite, token, "Printer on fire")
        assert set(ticket) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
        assert ticket["properties"]["hs_pipeline_stage"] == "1"
        assert ticket["archived"] is False

        record = await notifier_record(client, suite, token, ticket["id"])
        assert record["subject"] == "Printer on fire"
        assert record["statusId"] == "1"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def publish_denied_url(amqp_url: str) -> Iterator[str]:
    """The URL of a user who may consume but may not publish integration events."""
    user, password = f"tf-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    parts = urlsplit(amqp_url)
    vhost = parts.path.lstrip("/")
    rabbitmqctl("add_user", user, password)
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", r"^(?!ticketflow\.events$).*", ".*")
    try:
        yield f"amqp://{user}:{password}@{parts.hostname}:{parts.port}/{vhost}"
    finally:
        rabbitmqctl("delete_user", user)


async def test_a_ticket_service_killed_before_publishing_delivers_the_event_once_after_restart(
    private_suite: Suite, amqp_url: str, publish_denied_url: str
) -> None:
    account = await create_account(private_suite)
    token = account["token"]
    connection = await aio_pika.connect(amqp_url)
    async with connection, httpx.AsyncClient() as client:
        channel = await connection.channel()
        watch = await channel.declare_queue(exclusive=True)
        await watch.bind(await channel.get_exchange(EVENTS_EXCHANGE), "ticket.created.#")

        await create_ticket_when_replicated(client, private_suite, token, "warm-up")
        await notifier_record_count_settles(watch, 1)

        # Restart the ticket service as a user the broker refuses to publish for:
        # the ticket commits, its event stays in the outbox; then kill -9 the process.
        ticket_service = private_suite.services["ticket"]
        await ticket_service.stop()
        await private_suite.add("ticket", amqp_url=publish_denied_url).start()
        ticket = await create_ticket_when_replicated(
            client, private_suite, token, "Committed, unsent"
        )
        await asyncio.sleep(1.0)
        await private_suite.services["ticket"].kill()
        assert await watch.get(fail=False) is None

        await private_suite.add("ticket").start()
        record = await notifier_record(client, private_suite, token, ticket["id"])
        assert record["subject"] == "Committed, unsent"
        delivered = await drain_ticket_ids(watch)
        assert delivered == [ticket["id"]]


async def notifier_record_count_settles(queue: aio_pika.abc.AbstractQueue, expected: int) -> None:
    ids: list[str] = []
    for _ in range(100):
        ids += await drain_ticket_ids(queue)
        if len(ids) >= expected:
            break
        await asyncio.sleep(0.05)
    assert len(ids) == expected


async def drain_ticket_ids(queue: aio_pika.abc.AbstractQueue) -> list[str]:
    """Every ticket id published so far (waits briefly for stragglers)."""
    ids: list[str] = []
    idle = 0
    while idle < 10:
        message = await queue.get(fail=False)
        if message is None:
            idle += 1
            await asyncio.sleep(0.1)
            continue
        await message.ack()
        ids.append(json.loads(message.body)["payload"]["ticket_id"])
    return ids


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ticketflow_cli",
        *args,
        env=dict(os.environ) | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    return int(process.returncode or 0), out.decode() + err.decode()


async def something_parked(channel: aio_pika.abc.AbstractChannel, queue: str) -> None:
    """Wait (30 s at most: the machine may be busy) until `<queue>.dlq` holds a message."""
    dlq = await channel.get_queue(f"{queue}.dlq")
    deadline = asyncio.get_running_loop().time() + 30
    while not (await dlq.declare()).message_count:
        assert asyncio.get_running_loop().time() < deadline, f"nothing parked in {queue}.dlq"
        await asyncio.sleep(0.05)


async def test_a_malformed_event_is_parked_in_the_service_dlq_and_the_service_keeps_consuming(
    private_suite: Suite, amqp_url: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.get_exchange(EVENTS_EXCHANGE)
        await events.publish(
            aio_pika.Message(b'{"type": "ticket.created", "oops": true}', message_id="poison-1"),
            routing_key="ticket.created",
        )
        await something_parked(channel, "notifier.ticket-events")

    code, listing = await run_cli(
        "dlq", "list", "notifier.ticket-events", env={"AMQP_URL": amqp_url}
    )
    assert code == 0, listing
    listed = [json.loads(line) for line in listing.splitlines() if line.startswith("{")]
    [parked] = [entry for entry in listed if entry["message_id"] == "poison-1"]
    assert "not a ticketflow envelope" in parked["error"]

    account = await create_account(private_suite)
    async with httpx.AsyncClient() as client:
        ticket = await create_ticket_when_replicated(
            client, private_suite, account["token"], "After poison"
        )
        record = await notifier_record(client, private_suite, account["token"], ticket["id"])
    assert record["subject"] == "After poison"


async def test_bodies_that_do_not_decode_as_their_content_type_are_parked_and_logged_as_json(
    private_suite: Suite, amqp_url: str
) -> None:
    """Seen stuck unacknowledged before: never parked, never listed, a prefetch slot lost."""
    undecodable = {
        "channels.account-events": (b"not json", "application/json", "account.created"),
        "notifier.ticket-events": (b"\xff\xfe not utf-8", "text/plain", "ticket.created"),
    }
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.get_exchange(EVENTS_EXCHANGE)
        for queue, (body, content_type, key) in undecodable.items():
            message = aio_pika.Message(body, content_type=content_type, message_id=f"bad-{queue}")
            await events.publish(message, routing_key=key)
        for queue in undecodable:
            await something_parked(channel, queue)

    for queue in undecodable:
        code, listing = await run_cli("dlq", "list", queue, env={"AMQP_URL": amqp_url})
        assert code == 0, listing
        # The queue may also hold what another private-suite test parked in this vhost.
        listed = [json.loads(line) for line in listing.splitlines() if line.startswith("{")]
        [parked] = [entry for entry in listed if entry["message_id"] == f"bad-{queue}"]
        assert "not a ticketflow envelope" in parked["error"]
    for queue in undecodable:
        name = queue.split(".")[0]
        lines = private_suite.services[name].log_path.read_text().splitlines()
        # `ticket.created` also reaches channels.ticket-events, which parks it too.
        parking = [line for line in lines if f"dead-lettered to {queue}.dlq" in line]
        assert len(parking) == 1, parking
        assert json.loads(parking[0])["level"] == "ERROR"
        assert not [line for line in lines if line.startswith("Traceback") or "\x1b[" in line]
