"""Intake of inbound email: a recipient finds its connected inboxes in any account, plus part
and case aside; accepting stores the raw bytes once and queues one intake per inbox, each
with its ingestion command in the same unit of work; a failing store records nothing."""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path

import pytest

from ticketflow_channels.adapters.blobs import BlobRef, BlobTooLarge
from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.domain.errors import IntakeUnavailable
from ticketflow_channels.domain.intake import IntakeStatus, IntakeTransport
from ticketflow_channels.handlers.intake import (
    accept_email,
    account_connection_for,
    connections_for_recipient,
)
from ticketflow_chassis.uow import UnitOfWork

from .intake_builders import (
    RAW,
    FailingMemoryStore,
    connect_email,
    disconnect,
    failing_uow,
    ingest_commands,
    queued_intakes,
)

MAX_BYTES = 64 * 1024


@pytest.fixture
def blobs(tmp_path: Path) -> FolderBlobStore:
    return FolderBlobStore(tmp_path / "blobs")


class BrokenDisk:
    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> BlobRef:
        raise OSError(28, "No space left on device")


async def test_a_recipient_finds_the_connected_inboxes_of_every_account_plus_part_aside(
    uow: UnitOfWork,
) -> None:
    await connect_email(uow, "a1", "Help@Acme.test")
    await connect_email(uow, "a2", "help@acme.test", connection_id="c9")
    gone = await connect_email(uow, "a3", "help@acme.test", connection_id="c5")
    await disconnect(uow, gone)

    found = await connections_for_recipient(uow, "HELP+T-ABCDEFGH23@acme.TEST")
    nobody = await connections_for_recipient(uow, "sales@acme.test")

    assert sorted((c.account_id, c.id) for c in found) == [("a1", "c1"), ("a2", "c9")]
    assert nobody == []


async def test_an_inbox_connected_with_a_plus_address_is_found_by_it(uow: UnitOfWork) -> None:
    await connect_email(uow, "a1", "help+sales@acme.test")
    await connect_email(uow, "a2", "help@acme.test", connection_id="c9")

    sales = await connections_for_recipient(uow, "Help+Sales@acme.test")
    tokened = await connections_for_recipient(uow, "help+sales+T-ABCDEFGH23@acme.test")
    plain = await connections_for_recipient(uow, "help+T-ABCDEFGH23@acme.test")

    assert [(c.account_id, c.id) for c in sales] == [("a1", "c1")]
    assert [(c.account_id, c.id) for c in plain] == [("a2", "c9")]
    assert [(c.account_id, c.id) for c in tokened] == [("a1", "c1")]


async def test_an_account_finds_only_its_own_inbox_among_the_addresses(uow: UnitOfWork) -> None:
    await connect_email(uow, "a2", "sales@acme.test", connection_id="c9")
    await connect_email(uow, "a1", "help@acme.test")

    found = await account_connection_for(
        uow, "a1", ["sales@acme.test", "Help+x@acme.test", "help@acme.test"]
    )
    foreign = await account_connection_for(uow, "a1", ["sales@acme.test"])

    assert found is not None
    assert (found[0], found[1].id) == ("Help+x@acme.test", "c1")
    assert foreign is None


async def test_accepting_stores_the_raw_once_and_queues_an_intake_per_inbox(
    uow: UnitOfWork, blobs: FolderBlobStore
) -> None:
    first = await connect_email(uow, "a1", "help@acme.test")
    second = await connect_email(uow, "a2", "help@acme.test", connection_id="c9")

    accepted = await accept_email(
        RAW,
        connections=[first, second],
        recipient="Help@acme.test",
        mail_from="ada@customer.test",
        transport=IntakeTransport.SMTP,
        blobs=blobs,
        uow=uow,
        max_bytes=MAX_BYTES,
    )

    [in_a1], [in_a2] = await queued_intakes(uow, "a1"), await queued_intakes(uow, "a2")
    assert [i.id for i in accepted] == [in_a1.id, in_a2.id]
    assert (in_a1.connection_id, in_a2.connection_id) == ("c1", "c9")
    assert in_a1.status is IntakeStatus.QUEUED
    assert (in_a1.recipient, in_a1.mail_from, in_a1.size) == (
        "Help@acme.test",
        "ada@customer.test",
        len(RAW),
    )
    assert in_a1.raw_sha256 == in_a2.raw_sha256
    assert b"".join([chunk async for chunk in blobs.chunks(in_a1.raw_sha256)]) == RAW
    commands = await ingest_commands(uow)
    assert [(c["account_id"], c["payload"]["intake_id"]) for c in commands] == [
        ("a1", in_a1.id),
        ("a2", in_a2.id),
    ]


async def test_a_store_that_fails_records_nothing_and_is_unavailable(
    blobs: FolderBlobStore,
) -> None:
    uow = await failing_uow()
    inbox = await connect_email(uow, "a1", "help@acme.test")
    assert isinstance(uow.store, FailingMemoryStore)
    uow.store.failing = True
    entries_before = await uow.store.outbox_entries()

    with pytest.raises(IntakeUnavailable):
        await accept_email(
            RAW,
            connections=[inbox],
            recipient="help@acme.test",
            mail_from="",
            transport=IntakeTransport.HTTP,
            blobs=blobs,
            uow=uow,
            max_bytes=MAX_BYTES,
        )

    assert await queued_intakes(uow, "a1") == []
    assert await uow.store.outbox_entries() == entries_before


async def test_a_blob_store_that_fails_records_nothing_and_is_unavailable(uow: UnitOfWork) -> None:
    inbox = await connect_email(uow, "a1", "help@acme.test")

    with pytest.raises(IntakeUnavailable, match="OSError"):
        await accept_email(
            RAW,
            connections=[inbox],
            recipient="help@acme.test",
            mail_from="",
            transport=IntakeTransport.SMTP,
            blobs=BrokenDisk(),  # type: ignore[arg-type]  # put is all intake calls
            uow=uow,
            max_bytes=MAX_BYTES,
        )

    assert await queued_intakes(uow, "a1") == []
    assert await ingest_commands(uow) == []


async def test_an_email_over_the_limit_is_too_large_and_nothing_is_kept(
    uow: UnitOfWork, blobs: FolderBlobStore, tmp_path: Path
) -> None:
    inbox = await connect_email(uow, "a1", "help@acme.test")

    with pytest.raises(BlobTooLarge):
        await accept_email(
            RAW,
            connections=[inbox],
            recipient="help@acme.test",
            mail_from="",
            transport=IntakeTransport.SMTP,
            blobs=blobs,
            uow=uow,
            max_bytes=len(RAW) - 1,
        )

    assert await queued_intakes(uow, "a1") == []
    assert await ingest_commands(uow) == []
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
