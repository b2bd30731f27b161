"""Contacts: one per email address per account, in any case, the display name the sender gave
last (an absent one never erases it), each change with its event and revision; read over
HTTP by any user of the account, another account's contacts not found."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_channels.domain.errors import InvalidContact
from ticketflow_channels.entrypoints.http_contacts import build_contacts_router
from ticketflow_channels.handlers.contacts import contact_for_email
from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.testing import HOSTILE_CURSORS
from ticketflow_chassis.uow import MessageContext, UnitOfWork

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
BASE = "/channels/v1/contacts"


def reader(account_id: str) -> dict[str, str]:
    principal = Principal(account_id, "u2", frozenset(), frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


@pytest.fixture
async def client(uow: UnitOfWork) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_contacts_router(uow, bearer_principal(TOKENS)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        yield client


async def seen(uow: UnitOfWork, account_id: str, address: str, name: str | None) -> str:
    async with uow.begin(MessageContext(account_id, uuid.uuid4())) as s:
        return (await contact_for_email(s, account_id, address, name)).id


async def events(uow: UnitOfWork) -> list[tuple[str, int, str | None]]:
    bodies = [json.loads(e.message.body) for e in await uow.store.outbox_entries()]
    return [
        (b["type"], b["payload"]["revision"], b["payload"]["contact"]["display_name"])
        for b in bodies
    ]


async def test_one_contact_per_address_in_any_case_with_the_latest_name(uow: UnitOfWork) -> None:
    first = await seen(uow, "a1", "Ada@Acme.test", "Ada L.")
    again = await seen(uow, "a1", " ada@acme.TEST ", None)  # no name: keeps the known one
    renamed = await seen(uow, "a1", "ada@acme.test", "Ada  Lovelace")
    other_account = await seen(uow, "a2", "ada@acme.test", "Ada")

    assert first == again == renamed
    assert other_account != first
    assert await events(uow) == [
        ("contact.created", 1, "Ada L."),
        ("contact.updated", 2, "Ada Lovelace"),
        ("contact.created", 1, "Ada"),
    ]


async def test_an_address_that_is_not_one_is_refused_and_nothing_written(uow: UnitOfWork) -> None:
    for address in ("not-an-address", "two words@acme.test", "x" * 320 + "@acme.test"):
        with pytest.raises(InvalidContact):
            await seen(uow, "a1", address, None)
    assert await events(uow) == []


async def test_contacts_are_listed_a_page_at_a_time_and_read_by_id(
    uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    ids = [await seen(uow, "a1", f"c{n}@acme.test", f"Customer {n}") for n in range(3)]
    await seen(uow, "a2", "eve@globex.test", "Eve")

    first = (await client.get(BASE, params={"limit": 2}, headers=reader("a1"))).json()
    after = first["paging"]["next"]["after"]
    second = (
        await client.get(BASE, params={"limit": 2, "after": after}, headers=reader("a1"))
    ).json()
    one = await client.get(f"{BASE}/{ids[1]}", headers=reader("a1"))

    assert [c["id"] for c in first["results"] + second["results"]] == ids
    assert "paging" not in second
    assert (one.status_code, one.json()["email"], one.json()["displayName"]) == (
        200,
        "c1@acme.test",
        "Customer 1",
    )


async def test_another_accounts_or_an_unknown_contact_is_not_found(
    uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    theirs = await seen(uow, "a2", "eve@globex.test", "Eve")

    for contact_id in (theirs, "404404", "../x"):
        response = await client.get(f"{BASE}/{contact_id}", headers=reader("a1"))
        assert response.status_code == 404, response.text


async def test_bad_paging_input_is_a_400_and_no_token_a_401(client: httpx.AsyncClient) -> None:
    for cursor in HOSTILE_CURSORS:
        response = await client.get(BASE, params={"after": cursor}, headers=reader("a1"))
        assert response.status_code == 400, (cursor, response.text)
    assert (await client.get(BASE, params={"limit": 0}, headers=reader("a1"))).status_code == 400
    assert (await client.get(BASE)).status_code == 401
