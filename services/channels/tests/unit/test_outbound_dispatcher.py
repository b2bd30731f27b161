"""The outbound dispatcher with a transport of our own port: a message is claimed, delivered
and marked sent with `conversation.message_sent`; a transient failure is retried after a
backoff, a permanent one (or the last attempt) fails it with `conversation.message_failed`;
a message two dispatchers race for, or one a killed process delivered without marking it,
is delivered once."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketflow_channels.adapters.conversation_repository import MessageRepository
from ticketflow_channels.adapters.mail_transport import DeliveryError
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.domain.conversations import ConversationMessage, SendState
from ticketflow_channels.domain.mail.outbound import OutboundEmail
from ticketflow_channels.domain.sending import SendPolicy
from ticketflow_channels.entrypoints.outbound_dispatcher import OutboundDispatcher
from ticketflow_channels.handlers import delivery
from ticketflow_channels.handlers.sending import send_message
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import SendMessage, SendOrigin

from .conversation_builders import seed_conversation

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = SendPolicy(max_attempts=3, retry_max_seconds=2.0, lease_seconds=60.0)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class ScriptedTransport:
    """Remembers what it delivered (as a Maildir does); raises the scripted failures first."""

    failures: list[DeliveryError] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    remembers: bool = True

    async def already_delivered(self, email: OutboundEmail) -> bool:
        return self.remembers and email.message_id in self.delivered

    async def deliver(self, email: OutboundEmail) -> None:
        await asyncio.sleep(0)  # a real transport awaits: let a racing dispatcher run
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(email.message_id)


def transient(reason: str = "451 try later") -> DeliveryError:
    return DeliveryError(reason, permanent=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def open_uow(clock: Clock, store: MemoryStore | None = None) -> UnitOfWork:
    store = store or MemoryStore()
    await store.open(COLLECTIONS)
    return UnitOfWork(store, "channels", clock=clock)


@pytest.fixture
async def uow(clock: Clock) -> UnitOfWork:
    return await open_uow(clock)


async def recorded(uow: UnitOfWork, origin: SendOrigin = SendOrigin.TICKET_RECORD) -> str:
    await seed_conversation(uow)
    command = SendMessage(conversation_id="c1", text="On it", origin=origin, ticket_id="t-9")
    message = await send_message(command, uow, MessageContext("a1", uuid.uuid4()))
    return message.id


async def stored(uow: UnitOfWork, message_id: str) -> ConversationMessage:
    async with uow.read(MessageContext("a1", uuid.uuid4())) as session:
        message = await MessageRepository(session).get("a1", message_id)
    assert message is not None
    return message


async def published(uow: UnitOfWork, prefix: str) -> list[dict[str, Any]]:
    envelopes = [json.loads(e.message.body) for e in await uow.store.outbox_entries()]
    return [e["payload"] for e in envelopes if e["type"].startswith(prefix)]


def dispatcher(uow: UnitOfWork, transport: ScriptedTransport) -> OutboundDispatcher:
    return OutboundDispatcher(uow, transport, POLICY)


async def test_a_message_is_delivered_and_marked_sent_with_its_event(uow: UnitOfWork) -> None:
    message_id = await recorded(uow)
    transport = ScriptedTransport()

    assert await dispatcher(uow, transport).dispatch_due()

    message = await stored(uow, message_id)
    assert message.state is SendState.SENT
    assert (message.attempts, message.next_attempt_at) == (1, None)
    assert transport.delivered == [message.email_message_id]
    [sent] = await published(uow, "conversation.message_sent")
    assert sent["message_id"] == message_id
    assert sent["thread_id"] == "c1"
    assert (sent["channel"], sent["direction"]) == ("email", "OUTGOING")
    assert (sent["origin"], sent["sent_from_ticket"], sent["ticket_id"]) == (
        "ticket_record",
        True,
        "t-9",
    )
    assert sent["email_message_id"] == message.email_message_id
    assert sent["channel_connection_id"] == "inbox-c1"
    assert sent["contact_id"] == message.contact_id
    assert sent["recipients"][0]["address"] == "ada@example.org"
    assert sent["sender"]["address"] == "help@acme.test"
    assert (sent["text"], sent["excerpt"]) == ("On it", "On it")
    assert sent["sent_at"] == START.isoformat().replace("+00:00", "Z")


async def test_automation_is_marked_automated_and_not_from_the_ticket(uow: UnitOfWork) -> None:
    await recorded(uow, SendOrigin.AUTOMATION)
    await dispatcher(uow, ScriptedTransport()).dispatch_due()

    [sent] = await published(uow, "conversation.message_sent")
    assert (sent["origin"], sent["sent_from_ticket"], sent["automated"]) == (
        "automation",
        False,
        True,
    )


async def test_a_transient_failure_is_retried_after_a_backoff(
    uow: UnitOfWork, clock: Clock
) -> None:
    message_id = await recorded(uow)
    transport = ScriptedTransport(failures=[transient()])
    sender = dispatcher(uow, transport)

    await sender.dispatch_due()
    waiting = await stored(uow, message_id)
    assert (waiting.state, waiting.attempts, waiting.error) == (
        SendState.PENDING,
        1,
        "451 try later",
    )
    assert waiting.next_attempt_at == START + timedelta(seconds=1)

    await sender.dispatch_due()  # not due yet
    assert transport.delivered == []

    clock.advance(1)
    await sender.dispatch_due()
    sent = await stored(uow, message_id)
    assert (sent.state, sent.attempts, sent.error) == (SendState.SENT, 2, "")
    assert transport.delivered == [sent.email_message_id]
    assert await published(uow, "conversation.message_failed") == []


async def test_a_permanent_failure_fails_the_message_at_once(uow: UnitOfWork) -> None:
    message_id = await recorded(uow)
    refused = DeliveryError("550 no such user", permanent=True)

    await dispatcher(uow, ScriptedTransport(failures=[refused])).dispatch_due()

    message = await stored(uow, message_id)
    assert (message.state, message.attempts, message.error) == (
        SendState.FAILED,
        1,
        "550 no such user",
    )
    [failed] = await published(uow, "conversation.message_failed")
    assert (failed["message_id"], failed["error"], failed["origin"]) == (
        message_id,
        "550 no such user",
        "ticket_record",
    )
    assert await published(uow, "conversation.message_sent") == []


async def test_the_last_attempt_fails_it_the_backoff_doubling_up_to_its_cap(
    uow: UnitOfWork, clock: Clock
) -> None:
    message_id = await recorded(uow)
    transport = ScriptedTransport(failures=[transient()] * 5)
    sender = dispatcher(uow, transport)
    delays = []

    for _ in range(POLICY.max_attempts):
        await sender.dispatch_due()
        message = await stored(uow, message_id)
        if message.next_attempt_at is not None:
            delays.append((message.next_attempt_at - clock.now).total_seconds())
            clock.advance(POLICY.retry_max_seconds)

    assert delays == [1.0, 2.0]
    assert (message.state, message.attempts) == (SendState.FAILED, 3)
    [failed] = await published(uow, "conversation.message_failed")
    assert failed["error"] == "451 try later"


async def test_a_claimed_message_is_not_claimed_again_before_its_lease_ends(
    uow: UnitOfWork, clock: Clock
) -> None:
    message_id = await recorded(uow)
    [due] = await delivery.due_messages(10, uow)

    claim = await delivery.claim_message(due, POLICY, uow)
    assert claim is not None
    assert await delivery.claim_message(due, POLICY, uow) is None
    assert await delivery.due_messages(10, uow) == []

    clock.advance(POLICY.lease_seconds)  # the claimer died: its lease ends
    [again] = await delivery.due_messages(10, uow)
    assert again.id == message_id
    assert await delivery.claim_message(again, POLICY, uow) is not None
    # The first claimer's late record is refused: the second one records its own.
    assert await delivery.record_outcome(claim, delivery.DELIVERED, POLICY, uow) is None


async def test_delivered_before_a_crash_and_not_marked_is_marked_without_a_second_delivery(
    uow: UnitOfWork, clock: Clock
) -> None:
    message_id = await recorded(uow)
    transport = ScriptedTransport()
    [due] = await delivery.due_messages(10, uow)
    claim = await delivery.claim_message(due, POLICY, uow)
    assert claim is not None
    await transport.deliver(claim.email)  # ... and the process is killed here

    clock.advance(POLICY.lease_seconds)
    await dispatcher(uow, transport).dispatch_due()  # the next start's first pass

    message = await stored(uow, message_id)
    assert message.state is SendState.SENT
    assert transport.delivered == [message.email_message_id]
    assert len(await published(uow, "conversation.message_sent")) == 1


async def test_two_dispatchers_racing_for_one_message_deliver_it_once(clock: Clock) -> None:
    store = MemoryStore(snapshot_isolation=True)  # MongoDB's isolation: both claims overlap
    uow = await open_uow(clock, store)
    message_id = await recorded(uow)
    transport = ScriptedTransport(remembers=False)  # a relay: it cannot tell

    with store.overlapping(2):
        await asyncio.gather(
            dispatcher(uow, transport).dispatch_due(), dispatcher(uow, transport).dispatch_due()
        )

    message = await stored(uow, message_id)
    assert (message.state, message.attempts) == (SendState.SENT, 1)
    assert transport.delivered == [message.email_message_id]
    assert len(await published(uow, "conversation.message_sent")) == 1


async def test_the_dispatcher_runs_at_once_on_start_and_when_woken(uow: UnitOfWork) -> None:
    first = await recorded(uow)
    transport = ScriptedTransport()
    sender = OutboundDispatcher(uow, transport, POLICY, poll_seconds=3600)
    sender.start()
    try:
        while len(transport.delivered) < 1:
            await asyncio.sleep(0.01)
        command = SendMessage(conversation_id="c1", text="More", origin=SendOrigin.AUTOMATION)
        await send_message(command, uow, MessageContext("a1", uuid.uuid4()))
        sender.wake()
        async with asyncio.timeout(5):
            while len(transport.delivered) < 2:
                await asyncio.sleep(0.01)
    finally:
        await sender.stop()
    assert (await stored(uow, first)).state is SendState.SENT
