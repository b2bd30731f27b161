"""The conversations read API: lists by channel, contact and ticket, a conversation's messages
with classification, matchedBy and attachments, attachment downloads, held messages and
intakes; another account's are not found; paging and bad parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_channels.entrypoints.http_conversations import build_conversations_router
from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.testing import HOSTILE_CURSORS

from ..mail_harness import ACCOUNT, INBOX, Ingestion, email

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
BASE = "/channels/v1"


def reader(account_id: str = ACCOUNT) -> dict[str, str]:
    principal = Principal(account_id, "u2", frozenset(), frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def client(ingestion: Ingestion, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(
        build_conversations_router(ingestion.uow, ingestion.blobs, bearer_principal(TOKENS))
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        yield client


def with_attachment(name: str, content: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann <ann@example.org>"
    message["To"] = INBOX
    message["Subject"] = "Report"
    message["Message-ID"] = "<report@example.org>"
    message.set_content("Here it is.\n\nOn Mon, Bob wrote:\n> please send it")
    message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


async def test_a_conversation_and_its_messages_read_as_ingested(
    ingestion: Ingestion, client: httpx.AsyncClient
) -> None:
    content = b"%PDF-1.4 fake but bytes\n" * 50
    _, first = await ingestion.deliver(with_attachment('r\u00e9sum\u00e9 "1".pdf', content))
    await ingestion.deliver(
        email(
            "ann@example.org", "Re: Report", message_id="<r2@x>", in_reply_to="<report@example.org>"
        )
    )
    message = await ingestion.message(first)

    listed = (await client.get(f"{BASE}/conversations", headers=reader())).json()
    [conversation] = listed["results"]
    one = (await client.get(f"{BASE}/conversations/{conversation['id']}", headers=reader())).json()
    messages = (
        await client.get(f"{BASE}/conversations/{conversation['id']}/messages", headers=reader())
    ).json()["results"]
    download = await client.get(messages[0]["attachments"][0]["url"], headers=reader())

    assert one == conversation
    assert (conversation["subject"], conversation["messageCount"]) == ("Report", 2)
    assert conversation["contactId"] == message.contact_id
    assert [(m["classification"], m["matchedBy"], m["relation"]) for m in messages] == [
        ("new", "none", "new_thread"),
        ("reply", "in_reply_to", "reply"),
    ]
    assert (messages[0]["text"], messages[0]["emailMessageId"]) == (
        "Here it is.",
        "report@example.org",
    )
    assert "please send it" in messages[0]["fullText"]
    assert messages[0]["attachments"][0]["size"] == len(content)
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"r_sum_ _1_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf"
    )


async def test_conversations_filter_by_contact_and_channel_and_page(
    ingestion: Ingestion, client: httpx.AsyncClient
) -> None:
    for i, sender in enumerate(("ann@example.org", "bob@example.org", "ann@example.org")):
        await ingestion.deliver(email(sender, f"Question {i}"))
    everything = (await client.get(f"{BASE}/conversations", headers=reader())).json()["results"]
    ann = everything[-1]["contactId"]

    by_contact = await client.get(f"{BASE}/conversations?contactId={ann}", headers=reader())
    by_channel = await client.get(f"{BASE}/conversations?channel=chat", headers=reader())
    first_page = (await client.get(f"{BASE}/conversations?limit=2", headers=reader())).json()
    second_page = await client.get(
        f"{BASE}/conversations?limit=2&after={first_page['paging']['next']['after']}",
        headers=reader(),
    )

    assert len(everything) == 3
    assert {c["contactId"] for c in by_contact.json()["results"]} == {ann}
    assert len(by_contact.json()["results"]) == 2
    assert by_channel.json()["results"] == []
    assert [c["id"] for c in first_page["results"] + second_page.json()["results"]] == [
        c["id"] for c in everything
    ]
    assert "paging" not in second_page.json()


async def test_held_messages_and_failed_intakes_are_readable_with_their_reason(
    ingestion: Ingestion, client: httpx.AsyncClient
) -> None:
    _, held = await ingestion.deliver(
        email("ann@example.org", "OOO", headers={"Auto-Submitted": "auto-replied"})
    )
    await ingestion.deliver(b"Subject: nobody\r\n\r\nno sender")

    message = await client.get(f"{BASE}/messages/{held.message_id}", headers=reader())
    failed = (await client.get(f"{BASE}/intakes", headers=reader())).json()["results"]
    held_intakes = (await client.get(f"{BASE}/intakes?status=held", headers=reader())).json()

    assert (message.json()["held"], message.json()["conversationId"]) == ("auto_reply", None)
    assert message.json()["classifiedBy"] == "auto-submitted: auto-replied"
    assert [(i["status"], i["reason"]) for i in failed] == [
        ("failed", "unparsable email: no From address")
    ]
    assert [i["messageId"] for i in held_intakes["results"]] == [held.message_id]


async def test_another_accounts_conversation_and_unknown_ids_are_not_found(
    ingestion: Ingestion, client: httpx.AsyncClient
) -> None:
    _, intake = await ingestion.deliver(with_attachment("a.pdf", b"x"))
    message = await ingestion.message(intake)
    stranger = reader("another-account")
    paths = [
        f"/conversations/{message.conversation_id}",
        f"/conversations/{message.conversation_id}/messages",
        f"/messages/{message.id}",
        f"/messages/{message.id}/attachments/0",
    ]

    theirs = [await client.get(BASE + p, headers=stranger) for p in paths]
    missing = [
        await client.get(f"{BASE}/conversations/nope", headers=reader()),
        await client.get(f"{BASE}/messages/{message.id}/attachments/1", headers=reader()),
        await client.get(f"{BASE}/messages/{message.id}/attachments/-1", headers=reader()),
    ]
    their_list = await client.get(f"{BASE}/conversations", headers=stranger)

    assert [r.status_code for r in theirs + missing] == [404] * 7
    assert their_list.json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=x",
        "channel=fax",
        "status=lost",
        *[f"after={c}" for c in HOSTILE_CURSORS],
    ],
)
async def test_bad_parameters_are_a_400_naming_them(client: httpx.AsyncClient, query: str) -> None:
    path = "/intakes" if query.startswith("status") else "/conversations"

    response = await client.get(f"{BASE}{path}?{query}", headers=reader())

    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error"


async def test_no_token_no_conversations(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{BASE}/conversations")).status_code == 401
