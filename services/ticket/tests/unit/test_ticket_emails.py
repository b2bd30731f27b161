"""POST /crm/v3/extensions/tickets/{id}/emails: an agent's email from the ticket record is the
`channels.send_message` command (origin ticket_record, the ticket's conversation, a message id
the answer names); a ticket with no conversation is 422, an unknown or another account's
ticket 404, a body without text or html 400; refusals record nothing. (Who may write is the
notes' rule, tested there: whoever may edit the ticket.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.entrypoints.http import build_api_router, build_emails_router

from .queries_support import TOKENS, http_client
from .test_conversation_tickets import handle, message, ready
from .test_timeline_http import ADMIN, TICKETS, bearer


def emails_url(ticket_id: str) -> str:
    return f"/crm/v3/extensions/tickets/{ticket_id}/emails"


@pytest.fixture
async def uow() -> UnitOfWork:
    return await ready()


@pytest.fixture
async def client(uow: UnitOfWork) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(
        uow, build_api_router(uow, TOKENS), build_emails_router(uow, TOKENS)
    ) as client:
        yield client


async def commands(uow: UnitOfWork) -> list[dict[str, Any]]:
    bodies = [json.loads(e.message.body) for e in await uow.store.outbox_entries()]
    return [b for b in bodies if b["type"] == "channels.send_message"]


async def test_an_email_from_the_ticket_record_is_a_send_command_named_in_the_answer(
    uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    ticket = await handle(uow, message())
    assert ticket is not None

    answer = await client.post(
        emails_url(ticket.id),
        json={"text": "We are on it.", "subject": "About your printer"},
        headers=bearer("ada"),
    )

    assert answer.status_code == 202, answer.text
    [command] = await commands(uow)
    assert command["payload"] | {"message_id": None} == {
        "conversation_id": "conv-1",
        "text": "We are on it.",
        "html": None,
        "subject": "About your printer",
        "origin": "ticket_record",
        "ticket_id": ticket.id,
        "user_id": "ada",
        "message_id": None,
    }
    assert answer.json() == {
        "id": command["payload"]["message_id"],
        "conversationId": "conv-1",
        "ticketId": ticket.id,
        "status": "queued",
    }


async def test_refused_emails_record_nothing(uow: UnitOfWork, client: httpx.AsyncClient) -> None:
    from_channel = await handle(uow, message())
    assert from_channel is not None
    body = {"properties": {"hs_pipeline": "p1", "hs_pipeline_stage": "new", "subject": "API"}}
    created = await client.post(TICKETS, json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    no_conversation = str(created.json()["id"])

    answers = [
        await client.post(emails_url(from_channel.id), json={"text": "  "}, headers=ADMIN),
        await client.post(emails_url(from_channel.id), json={"body": "typo"}, headers=ADMIN),
        await client.post(emails_url(no_conversation), json={"text": "hi"}, headers=ADMIN),
        await client.post(emails_url("404404"), json={"text": "hi"}, headers=ADMIN),
        await client.post(
            emails_url(from_channel.id), json={"text": "hi"}, headers=bearer(account_id="a2")
        ),
        await client.post(emails_url(from_channel.id), json={"text": "hi"}),
    ]

    assert [a.status_code for a in answers] == [400, 400, 422, 404, 404, 401]
    assert [e["in"] for e in answers[2].json()["errors"]] == ["ticketId"]
    assert await commands(uow) == []
