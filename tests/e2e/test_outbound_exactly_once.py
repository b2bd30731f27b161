"""Outbound email is delivered exactly once, also when the channels service is killed while it
sends: 30 sends recorded over HTTP, SIGKILL in the middle of their delivery (twice), a restart
reconciles what the killed process left (expired claims, emails in the Maildir that were not
marked sent) and every email is in the Maildir once, every message `sent`.

The channels service runs alone as a real process (`ticketflow serve channels`) on its SQLite
store and the Maildir default, on a virtual host of its own; its conversation is written into
the store through the repositories before it starts."""

from __future__ import annotations

import asyncio
import mailbox
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
import pytest_asyncio

from services.channels.tests.unit.conversation_builders import seed_conversation
from tests.e2e.suite import ServiceProcess, Suite
from ticketflow_channels.adapters.conversation_repository import MessageRepository
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.app import PUBLISHES
from ticketflow_channels.domain.conversations import SendState
from ticketflow_channels.entrypoints.subscribers import QUEUES
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.auth import Principal, TokenCodec
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_chassis.uow import MessageContext, UnitOfWork

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

SENDS = 30


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def own_vhost(amqp_url: str) -> Iterator[str]:
    parts = urlsplit(amqp_url)
    vhost = f"ticketflow-sending-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*")
    try:
        yield parts._replace(path="/" + quote(vhost, safe="")).geturl()
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest_asyncio.fixture(loop_scope="session")
async def channels(own_vhost: str, tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    service = Suite(tmp_path, own_vhost).add("channels")
    database = tmp_path / "var" / "channels.sqlite3"
    service.env["CHANNELS_STORE_URL"] = f"sqlite:///{database}"
    service.env.pop("CHANNELS_SMTP_RELAY_URL", None)  # the Maildir default
    service.env.pop("CHANNELS_MONGO_DATABASE", None)
    # A killed process's claims are taken again once their lease ends: soon, in this test.
    service.env["CHANNELS_SEND_LEASE_SECONDS"] = "3"
    try:
        yield service
    finally:
        await service.stop()


def settings_of(service: ServiceProcess) -> ChannelsSettings:
    return ChannelsSettings(
        var_dir=Path(service.env["CHANNELS_VAR_DIR"]),
        store_url=service.env["CHANNELS_STORE_URL"],
        amqp_url=service.env["CHANNELS_AMQP_URL"],
        jwt_secret=TEST_JWT_SECRET,
    )


async def opened_store(service: ServiceProcess) -> tuple[ServiceRuntime, UnitOfWork]:
    """The service's own store, opened from the test (SQLite in WAL: beside the process)."""
    runtime = ServiceRuntime(settings_of(service), COLLECTIONS, QUEUES, publishes=PUBLISHES)
    await runtime.store.open(runtime.collections)
    return runtime, runtime.uow


async def states(uow: UnitOfWork, message_ids: list[str]) -> dict[str, SendState]:
    async with uow.read(MessageContext("a1", uuid.uuid4())) as session:
        repository = MessageRepository(session)
        found = [await repository.get("a1", message_id) for message_id in message_ids]
    return {m.id: m.state for m in found if m is not None}


def maildir_ids(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return [str(message["Message-ID"]) for message in mailbox.Maildir(folder, create=False)]


def delivered_count(folder: Path) -> int:
    return sum(
        1 for sub in ("new", "cur") if (folder / sub).exists() for _ in (folder / sub).iterdir()
    )


async def kill_when_delivering(service: ServiceProcess, folder: Path, more_than: int) -> int:
    """SIGKILL the moment the Maildir holds more than `more_than` emails (or when everything
    is there: the kill then lands after the last delivery, before or after its record)."""
    deadline = time.monotonic() + 30
    while delivered_count(folder) <= more_than and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
    await service.kill()
    return delivered_count(folder)


async def after_the_kill(
    service: ServiceProcess, sent: dict[str, str], folder: Path
) -> tuple[int, int]:
    """(emails in the Maildir, messages marked sent) while the service is down; never a message
    marked sent without its email."""
    runtime, uow = await opened_store(service)
    try:
        found = await states(uow, list(sent))
    finally:
        await runtime.store.close()
    in_maildir = set(maildir_ids(folder))
    marked = [message_id for message_id, state in found.items() if state is SendState.SENT]
    assert all(f"<{sent[message_id]}>" in in_maildir for message_id in marked)
    return len(in_maildir), len(marked)


async def test_every_email_is_delivered_once_across_kills_mid_send(
    channels: ServiceProcess,
) -> None:
    runtime, uow = await opened_store(channels)
    try:
        await seed_conversation(uow)
    finally:
        await runtime.store.close()
    outbound = Path(channels.env["CHANNELS_VAR_DIR"]) / "outbound-mail"
    principal = Principal("a1", "u1", frozenset(), frozenset())
    token = TokenCodec(TEST_JWT_SECRET, "ticketflow").issue(principal, now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{channels.url}/channels/v1/conversations/c1/messages"

    await channels.start()
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(
            *(client.post(url, json={"text": f"Reply {n}"}, headers=headers) for n in range(SENDS))
        )
    assert [a.status_code for a in answers] == [202] * SENDS, answers[0].text
    sent = {a.json()["id"]: a.json()["emailMessageId"] for a in answers}
    first_kill = await kill_when_delivering(channels, outbound, more_than=0)
    first = await after_the_kill(channels, sent, outbound)

    # The restart's first pass reconciles (after the lease of the killed claims); kill it again
    # while it delivers.
    await channels.start()
    await kill_when_delivering(channels, outbound, more_than=first_kill)
    second = await after_the_kill(channels, sent, outbound)

    await channels.start()
    runtime, uow = await opened_store(channels)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = await states(uow, list(sent))
            if list(found.values()) == [SendState.SENT] * SENDS:
                break
            await asyncio.sleep(0.2)
    finally:
        await runtime.store.close()

    # How far each kill got: (emails in the Maildir, messages marked sent); more emails than
    # marks means the kill fell between a delivery and its record.
    print(f"at the kills, of {SENDS}: {first}, {second}")
    assert found == dict.fromkeys(sent, SendState.SENT)
    in_maildir = maildir_ids(outbound)
    assert sorted(in_maildir) == sorted(f"<{email_id}>" for email_id in sent.values())
