"""`POST /channels/v1/inbound/email` on the composed app (in-memory store, blobs under
tmp_path): 202 once stored and queued, for `?recipient=` or the first connected address of
the caller's account among Delivered-To, To and Cc; 413 past the email limit (not the API's
1 MiB), 415, 400, 422, 401, and 503 with Retry-After when storage fails. A refusal writes
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.app import build_app
from ticketflow_channels.domain.intake import IntakeTransport
from ticketflow_channels.entrypoints.http_inbound import INBOUND_EMAIL_PATH, build_inbound_router
from ticketflow_channels.settings import MIB, ChannelsSettings, Role
from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_chassis.uow import UnitOfWork

from .intake_builders import (
    RAW,
    FailingMemoryStore,
    connect_email,
    failing_uow,
    ingest_commands,
    queued_intakes,
)

MAX_EMAIL = 2 * MIB  # above the API's 1 MiB body cap
RFC822 = {"Content-Type": "message/rfc822"}
Headers = dict[str, str]


class Inbound:
    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, blob_dir: Path):
        self.client, self.runtime, self.blob_dir = client, runtime, blob_dir

    @property
    def uow(self) -> UnitOfWork:
        return self.runtime.uow

    def bearer(self, account_id: str) -> Headers:
        principal = Principal(account_id, "u2", frozenset(), frozenset())
        token = self.runtime.tokens.issue(principal, now=datetime.now(UTC))
        return {"Authorization": f"Bearer {token}"}

    async def post(
        self, body: bytes, *, account_id: str = "a1", headers: Headers = RFC822, **params: str
    ) -> httpx.Response:
        return await self.client.post(
            INBOUND_EMAIL_PATH,
            content=body,
            params=params,
            headers={**self.bearer(account_id), **headers},
        )

    async def nothing_written(self) -> bool:
        blobs = [p for p in self.blob_dir.rglob("*") if p.is_file()]
        return await ingest_commands(self.uow) == [] and blobs == []


@pytest.fixture
async def inbound(tmp_path: Path) -> AsyncIterator[Inbound]:
    settings = ChannelsSettings(
        store_url="memory://",
        var_dir=tmp_path,
        jwt_secret=TEST_JWT_SECRET,
        max_email_bytes=MAX_EMAIL,
    )
    app = build_app(settings)
    runtime: ServiceRuntime = app.state.runtime
    await runtime.store.open(runtime.collections)  # no lifespan: nothing connects
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        yield Inbound(client, runtime, settings.resolved_blob_dir())


async def test_an_email_to_a_connected_inbox_is_stored_and_queued(inbound: Inbound) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")

    response = await inbound.post(RAW)

    assert response.status_code == 202, response.text
    [intake] = await queued_intakes(inbound.uow, "a1")
    assert response.json() == {"intakeId": intake.id, "status": "queued"}
    assert (intake.transport, intake.recipient, intake.size) == (
        IntakeTransport.HTTP,
        "help@acme.test",
        len(RAW),
    )
    blobs = FolderBlobStore(inbound.blob_dir)
    assert b"".join([chunk async for chunk in blobs.chunks(intake.raw_sha256)]) == RAW
    [command] = await ingest_commands(inbound.uow)
    assert (command["account_id"], command["payload"]) == ("a1", {"intake_id": intake.id})


async def test_the_recipient_parameter_or_delivered_to_chooses_the_inbox(inbound: Inbound) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")
    await connect_email(inbound.uow, "a1", "sales@acme.test", connection_id="c2")
    delivered = b"Delivered-To: Sales+T-ABCDEFGH23@acme.test\r\n" + RAW

    named = await inbound.post(RAW, recipient="sales@acme.test")
    from_headers = await inbound.post(delivered)

    assert named.status_code == from_headers.status_code == 202
    intakes = await queued_intakes(inbound.uow, "a1")
    assert sorted((i.connection_id, i.recipient) for i in intakes) == [
        ("c2", "Sales+T-ABCDEFGH23@acme.test"),
        ("c2", "sales@acme.test"),
    ]


async def test_an_email_above_the_api_body_cap_but_within_the_email_limit_is_accepted(
    inbound: Inbound,
) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")
    large = RAW + (b"x" * 998 + b"\r\n") * 1500  # 1.5 MB

    response = await inbound.post(large)

    assert response.status_code == 202, response.text
    [intake] = await queued_intakes(inbound.uow, "a1")
    assert intake.size == len(large)


async def test_an_email_over_the_limit_is_413_declared_or_streamed(inbound: Inbound) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")
    too_large = RAW + b"x" * MAX_EMAIL

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(too_large), 64 * 1024):
            yield too_large[start : start + 64 * 1024]

    declared = await inbound.post(too_large)
    chunked = await inbound.client.post(
        INBOUND_EMAIL_PATH, content=streamed(), headers={**inbound.bearer("a1"), **RFC822}
    )

    assert declared.status_code == chunked.status_code == 413
    assert f"{MAX_EMAIL} bytes" in chunked.json()["message"]
    assert await inbound.nothing_written()


@pytest.mark.parametrize(
    ("headers", "body", "status", "field"),
    [
        ({"Content-Type": "text/plain"}, RAW, 415, None),
        ({}, RAW, 415, None),
        (RFC822, b"Hello, my printer is on fire.\r\n", 400, "body"),
        (RFC822, b"", 400, "body"),
        (RFC822, b"To: nobody@acme.test\r\n\r\nHi", 422, "recipient"),
        (RFC822, b"To: help@other.test\r\n\r\nHi", 422, "recipient"),  # another account's
    ],
)
async def test_what_is_not_an_email_for_the_account_is_refused_and_nothing_written(
    inbound: Inbound, headers: Headers, body: bytes, status: int, field: str | None
) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")
    await connect_email(inbound.uow, "a2", "help@other.test", connection_id="c9")

    response = await inbound.post(body, headers=headers)

    assert response.status_code == status, response.text
    assert response.json()["status"] == "error"
    assert [e.get("in") for e in response.json()["errors"]] == ([field] if field else [])
    assert await inbound.nothing_written()


async def test_a_recipient_parameter_of_another_account_is_422(inbound: Inbound) -> None:
    await connect_email(inbound.uow, "a2", "help@acme.test", connection_id="c9")

    response = await inbound.post(RAW, recipient="help@acme.test")

    assert response.status_code == 422
    assert response.json()["errors"][0]["in"] == "recipient"
    assert await inbound.nothing_written()


async def test_without_a_token_it_is_401_and_nothing_written(inbound: Inbound) -> None:
    await connect_email(inbound.uow, "a1", "help@acme.test")

    response = await inbound.client.post(INBOUND_EMAIL_PATH, content=RAW, headers=RFC822)

    assert response.status_code == 401
    assert await inbound.nothing_written()


async def test_a_failing_store_is_503_with_retry_after(tmp_path: Path) -> None:
    uow = await failing_uow()
    await connect_email(uow, "a1", "help@acme.test")
    assert isinstance(uow.store, FailingMemoryStore)
    uow.store.failing = True
    tokens = TokenCodec(TEST_JWT_SECRET, "ticketflow")
    app = FastAPI()
    install_error_handlers(app)
    blobs = FolderBlobStore(tmp_path / "blobs")
    app.include_router(build_inbound_router(uow, blobs, bearer_principal(tokens), MAX_EMAIL))
    token = tokens.issue(Principal("a1", "u2", frozenset(), frozenset()), now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}", **RFC822}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        response = await client.post(INBOUND_EMAIL_PATH, content=RAW, headers=headers)

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["category"] == "UNAVAILABLE"
    assert await queued_intakes(uow, "a1") == []
    assert await ingest_commands(uow) == []


async def test_an_ingest_only_process_has_neither_the_endpoint_nor_the_smtp_listener(
    tmp_path: Path,
) -> None:
    settings = ChannelsSettings(
        store_url="memory://", var_dir=tmp_path, jwt_secret=TEST_JWT_SECRET, role=Role.INGEST
    )
    app = build_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        response = await client.post(INBOUND_EMAIL_PATH, content=RAW, headers=RFC822)

    assert response.status_code == 404
    assert app.state.smtp_intake is None
