"""Ingestion under test: an account with one connected inbox, the in-memory store, a blob
folder, and `deliver(raw)` doing what intake does (store the bytes and the intake) before
running the ingestion handler; plus `email(...)` to write test messages."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from ticketflow_channels.adapters.blobs import chunks_of
from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    MessageRepository,
)
from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.adapters.intake_repository import IntakeRepository
from ticketflow_channels.adapters.repository import COLLECTIONS, ConnectionRepository
from ticketflow_channels.domain.connections import ChannelConnection
from ticketflow_channels.domain.conversations import Conversation, ConversationMessage
from ticketflow_channels.domain.inbound import LoopPolicy
from ticketflow_channels.domain.intake import Intake, IntakeStatus, IntakeTransport
from ticketflow_channels.handlers.ingestion import ingest_email
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_chassis.store.factory import open_store_for
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType

ACCOUNT = "a1"
INBOX = "support@acme.test"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Ingestion:
    uow: UnitOfWork
    blobs: FolderBlobStore
    policy: LoopPolicy

    async def deliver(
        self,
        raw: bytes,
        *,
        recipient: str = INBOX,
        mail_from: str = "sender@example.org",
        transport: IntakeTransport = IntakeTransport.SMTP,
    ) -> tuple[IntakeStatus, Intake]:
        ref = await self.blobs.put(chunks_of(raw), max_bytes=1 << 24)
        intake = Intake(
            id=uuid.uuid4().hex,
            account_id=ACCOUNT,
            connection_id="c1",
            transport=transport,
            recipient=recipient,
            mail_from=mail_from,
            raw_sha256=ref.sha256,
            size=ref.size,
            received_at=datetime.now(UTC),
        )
        async with self.uow.begin(context()) as session:
            await IntakeRepository(session).save(intake)
        status = await ingest_email(
            IngestEmail(intake_id=intake.id), self.blobs, self.policy, self.uow, context()
        )
        async with self.uow.read(context()) as session:
            ended = await IntakeRepository(session).get(ACCOUNT, intake.id)
        assert ended is not None
        assert ended.status is status
        return status, ended

    async def message(self, intake: Intake) -> ConversationMessage:
        assert intake.message_id is not None
        async with self.uow.read(context()) as session:
            found = await MessageRepository(session).get(ACCOUNT, intake.message_id)
        assert found is not None
        return found

    async def conversation(self, conversation_id: str | None) -> Conversation:
        assert conversation_id is not None
        async with self.uow.read(context()) as session:
            found = await ConversationRepository(session).get(ACCOUNT, conversation_id)
        assert found is not None
        return found

    async def events(self, prefix: str = "conversation.") -> list[dict[str, Any]]:
        bodies = [json.loads(e.message.body) for e in await self.uow.store.outbox_entries()]
        return [b for b in bodies if b["type"].startswith(prefix)]


def context() -> MessageContext:
    return MessageContext(ACCOUNT, uuid.uuid4(), inbox_key=f"test:{uuid.uuid4()}")


def email(
    sender: str,
    subject: str,
    body: str = "Hello",
    *,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    to: str = INBOX,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


async def make_ingestion(tmp_path: Path, store_url: str = "memory://") -> Ingestion:
    """On `memory://` or `sqlite:///<file>`; close `ingestion.uow.store` when done."""
    store = open_store_for(store_url, "unused")
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "channels")
    async with uow.begin(MessageContext(ACCOUNT, uuid.uuid4())) as session:
        await ConnectionRepository(session).save(
            ChannelConnection(
                ACCOUNT,
                ChannelConnectionSnapshot(
                    id="c1",
                    type=ChannelType.EMAIL,
                    address=INBOX,
                    pipeline_id="default",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                revision=1,
            )
        )
    return Ingestion(uow, FolderBlobStore(tmp_path / "blobs"), LoopPolicy())
