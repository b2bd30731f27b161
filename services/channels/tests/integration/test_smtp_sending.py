"""Sending over SMTP to a real relay (an aiosmtpd server on a free port in the test), from the
SQLite store: the email arrives with our headers; a 451 is retried and the email arrives
once; a 550 fails the message with `conversation.message_failed`; a relay that offers AUTH
gets the URL's login."""

from __future__ import annotations

import asyncio
import email
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ticketflow_channels.adapters.conversation_repository import MessageRepository
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.adapters.smtp_transport import SmtpTransport
from ticketflow_channels.app import PUBLISHES
from ticketflow_channels.domain.conversations import SendState
from ticketflow_channels.domain.sending import SendPolicy
from ticketflow_channels.entrypoints.outbound_dispatcher import OutboundDispatcher
from ticketflow_channels.entrypoints.subscribers import QUEUES
from ticketflow_channels.handlers.sending import send_message
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import SendMessage, SendOrigin

from ..unit.conversation_builders import seed_conversation

# Retries come due at once: the test waits for none of the backoff.
POLICY = SendPolicy(max_attempts=3, retry_max_seconds=0.1)


@dataclass
class Relay:
    """Answers DATA with the scripted replies first, then 250; RCPT with `rcpt_reply`."""

    replies: list[str] = field(default_factory=list)
    rcpt_reply: str = "250 OK"
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        content = envelope.original_content or b""
        self.received.append(email.message_from_bytes(content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")


async def serving(relay: Relay, *, login: bool = False) -> tuple[asyncio.Server, int]:
    def smtp() -> SMTP:
        if login:
            return SMTP(
                relay,
                hostname="relay.test",
                auth_require_tls=False,  # offers AUTH without TLS: loopback only, in a test
                authenticator=relay.authenticate,
            )
        return SMTP(relay, hostname="relay.test")

    server = await asyncio.get_running_loop().create_server(smtp, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    settings = ChannelsSettings(var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET)
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    await runtime.store.open(runtime.collections)
    try:
        yield runtime.uow
    finally:
        await runtime.store.close()


async def send_and_dispatch(uow: UnitOfWork, relay_url: str, *, passes: int = 1) -> str:
    await seed_conversation(uow)
    command = SendMessage(
        conversation_id="c1", text="On it", html="<p>On it</p>", origin=SendOrigin.AUTOMATION
    )
    message = await send_message(command, uow, MessageContext("a1", uuid.uuid4()))
    dispatcher = OutboundDispatcher(uow, SmtpTransport(relay_url, timeout=5), POLICY)
    for _ in range(passes):
        await dispatcher.dispatch_due()
        await asyncio.sleep(POLICY.retry_max_seconds)
    return message.id


async def state_and_events(uow: UnitOfWork, message_id: str) -> tuple[SendState, list[str], str]:
    async with uow.read(MessageContext("a1", uuid.uuid4())) as session:
        message = await MessageRepository(session).get("a1", message_id)
    assert message is not None
    types = [e.message.routing_key for e in await uow.store.outbox_entries()]
    return message.state, [t for t in types if t.startswith("conversation.")], message.error


async def test_the_email_arrives_at_the_relay_with_our_headers(uow: UnitOfWork) -> None:
    relay = Relay()
    server, port = await serving(relay)
    async with server:
        message_id = await send_and_dispatch(uow, f"smtp://127.0.0.1:{port}")

    [received] = relay.received
    assert relay.envelopes == [("help@acme.test", ["ada@example.org"])]
    assert received["In-Reply-To"] == "<in-1@example.org>"
    assert received["References"] == "<root@example.org> <in-1@example.org>"
    assert received["Auto-Submitted"] == "auto-generated"
    token = received["Subject"].rsplit("[#", 1)[1].rstrip("]")
    assert received["Subject"] == f"Re: Printer on fire [#{token}]"
    assert received["Reply-To"].addresses[0].addr_spec == f"help+{token}@acme.test"
    assert received.get_content_type() == "multipart/alternative"
    state, events, _ = await state_and_events(uow, message_id)
    assert (state, events) == (SendState.SENT, ["conversation.message_sent.email"])


async def test_a_451_is_retried_and_the_email_arrives_once(uow: UnitOfWork) -> None:
    relay = Relay(replies=["451 4.3.0 Try again later"])
    server, port = await serving(relay)
    async with server:
        message_id = await send_and_dispatch(uow, f"smtp://127.0.0.1:{port}", passes=3)

    assert len(relay.received) == 1
    state, events, error = await state_and_events(uow, message_id)
    assert (state, events, error) == (SendState.SENT, ["conversation.message_sent.email"], "")


async def test_a_550_fails_the_message_with_its_event(uow: UnitOfWork) -> None:
    relay = Relay(rcpt_reply="550 5.1.1 No such user")
    server, port = await serving(relay)
    async with server:
        message_id = await send_and_dispatch(uow, f"smtp://127.0.0.1:{port}", passes=2)

    assert relay.received == []
    state, events, error = await state_and_events(uow, message_id)
    assert (state, events) == (SendState.FAILED, ["conversation.message_failed.email"])
    assert "550" in error
    assert "No such user" in error


async def test_a_relay_that_is_down_is_transient_until_the_attempts_run_out(
    uow: UnitOfWork,
) -> None:
    relay = Relay()
    server, port = await serving(relay)
    server.close()
    await server.wait_closed()

    message_id = await send_and_dispatch(uow, f"smtp://127.0.0.1:{port}", passes=4)

    state, events, error = await state_and_events(uow, message_id)
    assert (state, events) == (SendState.FAILED, ["conversation.message_failed.email"])
    assert error


# aiosmtpd 1.4.6 sets its own deprecated attribute when a login succeeds.
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")
async def test_the_url_s_login_is_given_to_a_relay_that_offers_auth(uow: UnitOfWork) -> None:
    relay = Relay()
    server, port = await serving(relay, login=True)
    async with server:
        await send_and_dispatch(uow, f"smtp://bot%40acme:s3cret@127.0.0.1:{port}")

    assert relay.logins == [(b"bot@acme", b"s3cret")]
    assert len(relay.received) == 1
