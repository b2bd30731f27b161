"""What the email-channel e2e tests share: an account with a connected inbox, mail sent over
real SMTP to the channels service, and the conversation events it publishes, collected from
a queue of the test's own bound to `conversation.#`."""

from __future__ import annotations

import asyncio
import json
import smtplib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import aio_pika
import httpx

from tests.e2e.suite import Suite
from tests.e2e.test_channel_connections import connect_when_replicated
from tests.e2e.test_skeleton_flow import create_account
from ticketflow_contracts import EVENTS_EXCHANGE


@dataclass
class Inbox:
    suite: Suite
    address: str
    token: str
    account_id: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def smtp_port(self) -> int:
        return int(self.suite.services["channels"].env["CHANNELS_SMTP_PORT"])

    async def send(
        self, raw: bytes, *, to: str | None = None, sender: str = "x@example.org"
    ) -> str:
        """The listener's final answer, `"250 ..."`, or the refusal's code and text."""
        return await asyncio.to_thread(self._send, raw, to or self.address, sender)

    def _send(self, raw: bytes, to: str, sender: str) -> str:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as smtp:
            try:
                smtp.sendmail(sender, [to], raw)
            except smtplib.SMTPRecipientsRefused as refused:
                code, text = refused.recipients[to]
                return f"{code} {text.decode()}"
            except smtplib.SMTPResponseException as error:
                return f"{error.smtp_code} {error.smtp_error.decode()}"
            return "250"

    def of_account(self, kind: str) -> list[dict[str, Any]]:
        """The account's events of this type, each once. Delivery is at least once (several
        channels processes on one SQLite file each run a relay over the shared outbox, and
        may publish one entry each); an event is one envelope `message_id`, which
        subscribers dedupe by."""
        unique = {
            e["message_id"]: e
            for e in self.events
            if e["type"] == kind and e["account_id"] == self.account_id
        }
        return list(unique.values())

    async def event_for(
        self, email_message_id: str, kind: str = "conversation.message_received", within: float = 20
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            for event in self.of_account(kind):
                if event["payload"].get("email_message_id") == email_message_id:
                    payload: dict[str, Any] = event["payload"]
                    return payload
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} for {email_message_id}: {self.of_account(kind)}")

    async def get(self, client: httpx.AsyncClient, path: str) -> Any:
        response = await client.get(
            self.suite.services["channels"].url + path, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()


def email(
    sender: str,
    to: str,
    subject: str,
    body: str = "Hello",
    *,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


@asynccontextmanager
async def connected_inbox(suite: Suite) -> AsyncIterator[Inbox]:
    """A new account with `support-<random>@acme.test` connected, and the conversation
    events published meanwhile."""
    account = await create_account(suite)
    inbox = Inbox(
        suite, f"support-{uuid.uuid4().hex[:10]}@acme.test", account["token"], account["account_id"]
    )
    async with httpx.AsyncClient() as client:
        await connect_when_replicated(
            client,
            suite,
            inbox.headers,
            {"type": "email", "address": inbox.address, "pipelineId": "default"},
        )
    connection = await aio_pika.connect(suite.amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "conversation.#")

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                inbox.events.append(json.loads(message.body))

        await queue.consume(collect)
        yield inbox
    finally:
        await connection.close()
