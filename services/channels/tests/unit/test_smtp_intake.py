"""The SMTP listener on real sockets (standard-library smtplib in a thread as the sender):
250 only once the message is stored and queued, 550 for an address nobody connected, 552
over the size limit, 451 when the store fails; mixed recipients file the mail for the good
ones; two recipients naming one inbox make one intake."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.entrypoints.smtp_intake import SmtpIntake, build_smtp_intake
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork

from .intake_builders import (
    RAW,
    FailingMemoryStore,
    connect_email,
    failing_uow,
    ingest_commands,
    queued_intakes,
)

MAX_BYTES = 4096
Reply = tuple[int, bytes]


@pytest.fixture
async def smtp(uow: UnitOfWork, tmp_path: Path) -> AsyncIterator[SmtpIntake]:
    async with listening(uow, tmp_path) as server:
        yield server


@asynccontextmanager
async def listening(
    uow: UnitOfWork, tmp_path: Path, max_bytes: int = MAX_BYTES
) -> AsyncIterator[SmtpIntake]:
    blobs = FolderBlobStore(tmp_path / "blobs")
    server = build_smtp_intake(uow, blobs, host="127.0.0.1", port=0, max_bytes=max_bytes)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _transaction(port: int, recipients: Sequence[str], message: bytes) -> list[Reply]:
    """MAIL, each RCPT and (when one was accepted) DATA, with the server's reply to each."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("customer.test")
        replies = [client.mail("ada@customer.test")]
        replies += [client.rcpt(recipient) for recipient in recipients]
        if any(code == 250 for code, _ in replies[1:]):
            replies.append(client.data(message))
        return replies


async def transaction(smtp: SmtpIntake, recipients: Sequence[str], message: bytes) -> list[Reply]:
    return await asyncio.to_thread(_transaction, smtp.port, recipients, message)


async def test_a_message_for_a_connected_address_is_stored_and_queued_before_the_250(
    uow: UnitOfWork, smtp: SmtpIntake, tmp_path: Path
) -> None:
    await connect_email(uow, "a1", "help@acme.test")

    replies = await transaction(smtp, ["Help@Acme.test"], RAW)

    [intake] = await queued_intakes(uow, "a1")
    assert [code for code, _ in replies] == [250, 250, 250]
    assert replies[-1][1] == f"2.0.0 Queued as {intake.id}".encode()
    assert (intake.recipient, intake.mail_from) == ("Help@Acme.test", "ada@customer.test")
    stored = FolderBlobStore(tmp_path / "blobs")
    assert b"".join([chunk async for chunk in stored.chunks(intake.raw_sha256)]) == RAW
    [command] = await ingest_commands(uow)
    assert command["payload"] == {"intake_id": intake.id}


async def test_an_address_nobody_connected_is_refused_at_rcpt(
    uow: UnitOfWork, smtp: SmtpIntake
) -> None:
    await connect_email(uow, "a1", "help@acme.test")

    replies = await transaction(smtp, ["sales@acme.test"], RAW)

    assert replies[1] == (550, b"5.1.1 <sales@acme.test>: no such mailbox here")
    assert len(replies) == 2  # no DATA without a recipient
    assert await ingest_commands(uow) == []


async def test_mixed_recipients_file_the_mail_for_the_good_ones(
    uow: UnitOfWork, smtp: SmtpIntake
) -> None:
    await connect_email(uow, "a1", "help@acme.test")

    def send() -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            return client.sendmail("ada@customer.test", ["nobody@acme.test", "help@acme.test"], RAW)

    refused = await asyncio.to_thread(send)

    assert refused == {"nobody@acme.test": (550, b"5.1.1 <nobody@acme.test>: no such mailbox here")}
    [intake] = await queued_intakes(uow, "a1")
    assert intake.recipient == "help@acme.test"


async def test_two_recipients_naming_one_inbox_make_one_intake_and_two_inboxes_two(
    uow: UnitOfWork, smtp: SmtpIntake
) -> None:
    await connect_email(uow, "a1", "help@acme.test")
    await connect_email(uow, "a2", "help@acme.test", connection_id="c9")

    replies = await transaction(smtp, ["help@acme.test", "help+T-ABCDEFGH23@acme.test"], RAW)

    assert [code for code, _ in replies] == [250, 250, 250, 250]
    assert len(await queued_intakes(uow, "a1")) == len(await queued_intakes(uow, "a2")) == 1
    assert len(await ingest_commands(uow)) == 2


async def test_a_message_over_the_limit_is_refused_with_552_and_nothing_is_kept(
    uow: UnitOfWork, smtp: SmtpIntake, tmp_path: Path
) -> None:
    await connect_email(uow, "a1", "help@acme.test")
    big = RAW + (b"x" * 70 + b"\r\n") * 100  # 7 KiB, over 4 KiB

    undeclared = await transaction(smtp, ["help@acme.test"], big)

    def send_declaring_its_size() -> None:
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.sendmail("ada@customer.test", ["help@acme.test"], big)

    with pytest.raises(smtplib.SMTPSenderRefused) as declared:
        await asyncio.to_thread(send_declaring_its_size)

    assert undeclared[-1][0] == 552  # at the end of DATA: aiosmtpd counted the lines
    assert declared.value.smtp_code == 552  # at MAIL: the client declared SIZE
    assert await ingest_commands(uow) == []
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


async def test_a_store_that_fails_answers_451_so_the_sender_retries(tmp_path: Path) -> None:
    uow = await failing_uow()
    await connect_email(uow, "a1", "help@acme.test")
    assert isinstance(uow.store, FailingMemoryStore)
    uow.store.failing = True

    async with listening(uow, tmp_path) as smtp:
        replies = await transaction(smtp, ["help@acme.test"], RAW)

    assert replies[1][0] == 250  # the lookup only reads
    assert replies[-1] == (451, b"4.3.0 The message could not be stored now; try again later")
    assert await queued_intakes(uow, "a1") == []
    assert await ingest_commands(uow) == []


async def test_the_listener_takes_the_next_transaction_after_a_refused_one(
    uow: UnitOfWork, smtp: SmtpIntake
) -> None:
    await connect_email(uow, "a1", "help@acme.test")

    def two_transactions() -> tuple[Reply, Reply]:
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
            client.ehlo("customer.test")
            client.mail("ada@customer.test")
            first = client.rcpt("nobody@acme.test")
            client.rset()
            client.mail("ada@customer.test")
            client.rcpt("help@acme.test")
            return first, client.data(RAW)

    first, second = await asyncio.to_thread(two_transactions)

    assert (first[0], second[0]) == (550, 250)
    assert len(await queued_intakes(uow, "a1")) == 1


async def test_an_unexpected_failure_is_a_451_without_internals(tmp_path: Path) -> None:
    store = MemoryStore()  # never opened: every lookup fails as a bug would
    async with listening(UnitOfWork(store, "channels"), tmp_path) as smtp:
        replies = await transaction(smtp, ["help@acme.test"], RAW)

    assert replies[1] == (451, b"4.3.0 Temporary failure; try again later")
