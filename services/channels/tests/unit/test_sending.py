"""Sending records the intent in one unit of work, before anything leaves: the outbound message
(pending, due now, threaded under the conversation's latest Message-ID, the token in its
subject), its Message-ID (so replies thread to it) and the conversation's count. A refusal
writes nothing. Over HTTP: 202 with the message, 400 naming the field, 404 for an unknown
or another account's conversation."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    EmailIdRepository,
    MessageRepository,
)
from ticketflow_channels.domain.conversations import ConversationMessage, SendState
from ticketflow_channels.domain.errors import ConversationNotFound, InvalidMessage
from ticketflow_channels.entrypoints.http_messages import build_messages_router
from ticketflow_channels.handlers.sending import send_message
from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.testing import consumed_context, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import ChannelType, MessageDirection, SendMessage, SendOrigin

from .conversation_builders import CUSTOMER, INBOX, seed_conversation

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")


def context(account_id: str = "a1") -> MessageContext:
    return MessageContext(account_id, uuid.uuid4())


def command(**changes: object) -> SendMessage:
    fields: dict[str, object] = {
        "conversation_id": "c1",
        "text": "We are on it.",
        "origin": SendOrigin.TICKET_RECORD,
        "ticket_id": "t-9",
        "user_id": "u1",
    }
    return SendMessage.model_validate(fields | changes)


async def messages_in(
    uow: UnitOfWork, conversation_id: str = "c1", account_id: str = "a1"
) -> list[ConversationMessage]:
    async with uow.read(context(account_id)) as session:
        return await MessageRepository(session).latest_in_conversation(
            account_id, conversation_id, limit=100
        )


async def test_the_intent_is_recorded_pending_threaded_and_due_now(uow: UnitOfWork) -> None:
    seeded = await seed_conversation(uow)
    token = seeded.conversation.token

    message = await send_message(command(), uow, context())

    [stored, inbound] = await messages_in(uow)
    assert stored == message
    assert message.state is SendState.PENDING
    assert message.next_attempt_at == message.occurred_at
    assert message.direction is MessageDirection.OUTGOING
    assert message.channel is ChannelType.EMAIL
    assert message.sender is not None
    assert message.sender.address == INBOX
    assert [r.address for r in message.recipients] == [CUSTOMER]
    assert message.email_message_id.endswith("@acme.test")
    assert message.in_reply_to == "in-1@example.org"
    assert message.references == ("root@example.org", "in-1@example.org")
    assert message.subject == f"Re: Printer on fire [#{token}]"
    assert (message.origin, message.ticket_id, message.user_id) == (
        SendOrigin.TICKET_RECORD,
        "t-9",
        "u1",
    )
    assert not message.automated
    assert inbound == seeded.inbound


async def test_its_message_id_is_registered_so_replies_thread_to_it(uow: UnitOfWork) -> None:
    await seed_conversation(uow)
    message = await send_message(command(), uow, context())

    async with uow.read(context()) as session:
        known = await EmailIdRepository(session).get("a1", f"<{message.email_message_id}>")
        conversation = await ConversationRepository(session).get("a1", "c1")
    assert known is not None
    assert (known["message_id"], known["conversation_id"]) == (message.id, "c1")
    assert conversation is not None
    assert conversation.message_count == 2


async def test_each_send_has_its_own_message_id_and_nothing_is_published_yet(
    uow: UnitOfWork,
) -> None:
    await seed_conversation(uow, reply_to=None)
    first = await send_message(command(), uow, context())
    second = await send_message(command(origin=SendOrigin.AUTOMATION), uow, context())

    assert first.email_message_id != second.email_message_id
    assert (first.in_reply_to, first.references) == ("", ())
    assert second.automated
    published = {json.loads(e.message.body)["type"] for e in await uow.store.outbox_entries()}
    assert published == {"contact.created"}  # the seeding's: message_sent follows delivery


async def test_the_sender_may_name_the_message_id_once(uow: UnitOfWork) -> None:
    await seed_conversation(uow)

    named = await send_message(command(message_id="m-from-ticket-1"), uow, context())
    with pytest.raises(InvalidMessage, match="exists already") as taken:
        await send_message(command(message_id="m-from-ticket-1"), uow, context())

    assert named.id == "m-from-ticket-1"
    assert taken.value.errors[0].field == "messageId"
    assert len(await messages_in(uow)) == 2  # the seeded one and the named one


async def test_only_html_sends_its_text_too(uow: UnitOfWork) -> None:
    await seed_conversation(uow)
    message = await send_message(command(text=None, html="<p>On it</p><p>Ada</p>"), uow, context())
    assert (message.text, message.html) == ("On it\nAda", "<p>On it</p><p>Ada</p>")


async def test_a_redelivered_command_records_nothing_more(uow: UnitOfWork) -> None:
    await seed_conversation(uow)
    envelope = envelope_of(command())
    await send_message(envelope.payload, uow, consumed_context(envelope))

    with pytest.raises(DuplicateMessage):
        await send_message(envelope.payload, uow, consumed_context(envelope))
    assert len(await messages_in(uow)) == 2


@pytest.mark.parametrize(
    ("seed", "error", "code"),
    [
        ({"conversation_id": "c2"}, ConversationNotFound, None),
        ({"account_id": "a2"}, ConversationNotFound, None),
        ({"customer": None}, InvalidMessage, "no_email"),
        ({"connected": False}, InvalidMessage, "disconnected"),
        ({"channel": ChannelType.CHAT}, InvalidMessage, "channel_not_supported"),
    ],
)
async def test_a_refused_send_writes_nothing(
    uow: UnitOfWork, seed: dict[str, object], error: type[Exception], code: str | None
) -> None:
    seeded = await seed_conversation(uow, **seed)  # type: ignore[arg-type]
    account_id = seeded.conversation.account_id
    before = len(await messages_in(uow, seeded.conversation.id, account_id))

    with pytest.raises(error) as refused:
        await send_message(command(), uow, context())

    if code is not None:
        assert isinstance(refused.value, InvalidMessage)
        assert refused.value.errors[0].code == code
    assert len(await messages_in(uow, seeded.conversation.id, account_id)) == before
    async with uow.read(context(account_id)) as session:
        conversation = await ConversationRepository(session).get(account_id, seeded.conversation.id)
    assert conversation == seeded.conversation


# --- HTTP ---------------------------------------------------------------------------------


def bearer(account_id: str = "a1", user_id: str = "u2") -> dict[str, str]:
    principal = Principal(account_id, user_id, frozenset(), frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def woken() -> list[int]:
    return []


@pytest.fixture
async def client(uow: UnitOfWork, woken: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    router = build_messages_router(uow, bearer_principal(TOKENS), lambda: woken.append(1))
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        yield client


URL = "/channels/v1/conversations/c1/messages"


async def test_any_user_sends_from_the_contact_record_and_gets_202(
    uow: UnitOfWork, client: httpx.AsyncClient, woken: list[int]
) -> None:
    await seed_conversation(uow)
    body = {"text": "On it", "subject": "Your printer", "ticketId": "t-9"}

    answer = await client.post(URL, json=body, headers=bearer())

    assert answer.status_code == 202, answer.text
    sent = answer.json()
    assert sent["state"] == "pending"
    assert sent["origin"] == "contact_record"
    assert sent["ticketId"] == "t-9"
    assert sent["subject"].startswith("Your printer [#T-")
    assert sent["emailMessageId"].endswith("@acme.test")
    [stored, _] = await messages_in(uow)
    assert (stored.id, stored.user_id) == (sent["id"], "u2")
    assert woken == [1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),
        ({"text": "  ", "html": ""}, None),
        ({"text": 3}, "text"),
        ({"text": "x", "subject": "s" * 999}, "subject"),
        ({"text": "x", "ticketId": ""}, "ticketId"),
        ({"text": "x", "origin": "automation"}, "origin"),
    ],
)
async def test_bad_bodies_are_400_naming_the_field_and_write_nothing(
    uow: UnitOfWork, client: httpx.AsyncClient, body: dict[str, object], field: str | None
) -> None:
    await seed_conversation(uow)
    answer = await client.post(URL, json=body, headers=bearer())

    assert answer.status_code == 400, answer.text
    if field is not None:
        assert field in json.dumps(answer.json()["errors"])
    assert len(await messages_in(uow)) == 1


async def test_unknown_and_another_accounts_conversations_are_404(
    uow: UnitOfWork, client: httpx.AsyncClient, woken: list[int]
) -> None:
    await seed_conversation(uow)
    unknown = await client.post(
        "/channels/v1/conversations/nope/messages", json={"text": "x"}, headers=bearer()
    )
    foreign = await client.post(URL, json={"text": "x"}, headers=bearer("a2"))
    anonymous = await client.post(URL, json={"text": "x"})

    assert (unknown.status_code, foreign.status_code, anonymous.status_code) == (404, 404, 401)
    assert unknown.json()["category"] == "OBJECT_NOT_FOUND"
    assert woken == []


async def test_a_contact_without_email_is_400_on_the_conversation(
    uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    await seed_conversation(uow, customer=None)
    answer = await client.post(URL, json={"text": "x"}, headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["in"] == "conversationId"
