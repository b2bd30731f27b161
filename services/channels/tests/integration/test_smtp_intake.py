"""A message the SMTP listener accepted reaches the ingestion queue on the real broker: the
channels service (intake role, SQLite in tmp_path) runs as it is composed, smtplib sends, and
the `channels.ingest_email` command for the new intake is read off `channels.email-ingest`."""

from __future__ import annotations

import asyncio
import json
import smtplib
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from ticketflow_channels.app import build_app
from ticketflow_channels.entrypoints.smtp_intake import SmtpIntake
from ticketflow_channels.entrypoints.subscribers import EMAIL_INGEST
from ticketflow_channels.settings import ChannelsSettings, Role
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET, eventually

from ..unit.intake_builders import RAW, connect_email, queued_intakes

pytestmark = pytest.mark.rabbitmq


def send(port: int) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("customer.test")
        client.mail("ada@customer.test")
        client.rcpt("help@acme.test")
        return client.data(RAW)


async def test_an_accepted_message_is_queued_for_ingestion_on_the_broker(
    amqp_url: str, tmp_path: Path
) -> None:
    settings = ChannelsSettings(
        amqp_url=amqp_url,
        var_dir=tmp_path,
        jwt_secret=TEST_JWT_SECRET,
        role=Role.INTAKE,  # nothing consumes the ingestion queue: the test reads it
        smtp_port=0,
    )
    app = build_app(settings)
    runtime: ServiceRuntime = app.state.runtime
    smtp: SmtpIntake = app.state.smtp_intake

    async with runtime.lifespan():
        await connect_email(runtime.uow, "a1", "help@acme.test")
        code, reply = await asyncio.to_thread(send, smtp.port)
        [intake] = await queued_intakes(runtime.uow, "a1")
        command = await eventually(lambda: ingest_command_for(amqp_url, intake.id))

    assert (code, reply) == (250, f"2.0.0 Queued as {intake.id}".encode())
    assert command["type"] == "channels.ingest_email"
    assert command["account_id"] == "a1"


async def ingest_command_for(amqp_url: str, intake_id: str) -> dict[str, Any] | None:
    """The command for this intake, taken off the queue; any other message there is only
    held, and goes back to the queue when the connection closes."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(EMAIL_INGEST.name, ensure=True)
        while (message := await queue.get(fail=False)) is not None:
            body = json.loads(message.body)
            if body["payload"].get("intake_id") == intake_id:
                await message.ack()
                return dict(body)
    return None
