"""`ticketflow outbox list|replay` on a service's SQLite store in the var dir `up` uses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow_chassis.store.port import OutboxMessage
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_cli.main import main

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def command(message_id: str) -> OutboxMessage:
    return OutboxMessage(
        message_id,
        "ticketflow.commands",
        "channels.send_message",
        b"{}",
        {"type": "channels.send_message"},
        ordering_key=f"acct/ticket/{message_id}",
    )


async def outbox_with_a_parked_and_a_waiting_message(path: Path) -> None:
    store = SqliteStore(path)
    await store.open(())
    try:
        async with store.transaction() as tx:
            await tx.add_to_outbox(command("m-parked"), command("m-waiting"), command("m-new"))
        await store.outbox_failed("m-parked", "Refused: NO_ROUTE", retry_at=None, now=NOW)
        await store.outbox_failed("m-waiting", "Refused: NO_ROUTE", retry_at=NOW, now=NOW)
    finally:
        await store.close()


async def entries(path: Path) -> dict[str, tuple[int, bool]]:
    """message id -> (attempts, parked)"""
    store = SqliteStore(path)
    await store.open(())
    try:
        return {
            e.message.message_id: (e.attempts, e.parked_at is not None)
            for e in await store.outbox_entries()
        }
    finally:
        await store.close()


@pytest.fixture
def ticket_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for variable in ("TICKET_STORE_URL", "TICKET_VAR_DIR", "TICKET_MONGO_DATABASE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TICKETFLOW_VAR_DIR", str(tmp_path))
    path = tmp_path / "ticket.sqlite3"
    asyncio.run(outbox_with_a_parked_and_a_waiting_message(path))
    return path


def test_list_shows_every_waiting_message_with_its_attempts_and_error(
    ticket_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "list", "ticket"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["SERVICE", "MESSAGE", "ID", "TYPE"]
    assert [line.split()[1] for line in lines[1:]] == ["m-parked", "m-waiting", "m-new"]
    parked = lines[1].split()
    assert parked[2:5] == ["channels.send_message", "channels.send_message", "1"]
    assert parked[-2:] == ["Refused:", "NO_ROUTE"]
    assert "2030-01-02T03:04:05+00:00" in lines[1]


def test_list_parked_shows_only_the_parked_ones(
    ticket_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "list", "--parked"]) == 0  # every service that has a store
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[1:]] == [["ticket", "m-parked"]]


def test_replay_of_one_message_makes_it_due_with_no_attempts(
    ticket_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "replay", "ticket", "--message-id", "m-parked"]) == 0
    assert "1 message(s) due again" in capsys.readouterr().out
    assert asyncio.run(entries(ticket_store)) == {
        "m-parked": (0, False),
        "m-waiting": (1, False),
        "m-new": (0, False),
    }


def test_replay_all_unparks_every_parked_message(
    ticket_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "replay", "ticket", "--all"]) == 0
    assert asyncio.run(entries(ticket_store))["m-parked"] == (0, False)
    assert main(["outbox", "list", "ticket", "--parked"]) == 0
    assert "no parked messages" in capsys.readouterr().out


def test_replay_of_an_unknown_message_says_so(
    ticket_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "replay", "ticket", "--message-id", "nope"]) == 1
    assert "no message nope" in capsys.readouterr().err


def test_a_service_that_never_ran_has_no_store_to_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOTIFIER_STORE_URL", raising=False)
    monkeypatch.delenv("NOTIFIER_VAR_DIR", raising=False)
    monkeypatch.setenv("TICKETFLOW_VAR_DIR", str(tmp_path))
    assert main(["outbox", "list", "notifier"]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "notifier.sqlite3").exists()


def test_replay_needs_a_message_id_or_all() -> None:
    assert main(["outbox", "replay", "ticket"]) == 2
