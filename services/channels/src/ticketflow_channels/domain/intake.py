"""An intake: one raw inbound email accepted for one connected address, stored as a blob and
queued for ingestion (`channels.ingest_email`, ingest_command.py) before the sender was told
yes. Ingestion records how it ended: stored as a message, a duplicate
of one, held, or failed with the reason."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class IntakeTransport(StrEnum):
    SMTP = "smtp"
    HTTP = "http"


class IntakeStatus(StrEnum):
    QUEUED = "queued"
    STORED = "stored"
    DUPLICATE = "duplicate"
    HELD = "held"
    FAILED = "failed"


@dataclass(frozen=True)
class Intake:
    id: str
    account_id: str
    connection_id: str
    transport: IntakeTransport
    recipient: str  # the address it was accepted for, as the sender wrote it
    mail_from: str  # the SMTP envelope sender ("" for a bounce, or over HTTP when unknown)
    raw_sha256: str
    size: int
    received_at: datetime
    status: IntakeStatus = IntakeStatus.QUEUED
    reason: str = ""
    message_id: str | None = None
    version: int | None = None

    def ended(self, status: IntakeStatus, *, message_id: str | None, reason: str = "") -> Intake:
        return replace(self, status=status, message_id=message_id, reason=reason)
