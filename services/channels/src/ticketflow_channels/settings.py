"""Channels service settings (env prefix CHANNELS_)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config

MIB = 1024 * 1024


class Role(StrEnum):
    """What one channels process does: accept mail (SMTP listener, HTTP API), ingest it
    (the competing workers of the ingestion queue), or both (the default)."""

    ALL = "all"
    INTAKE = "intake"
    INGEST = "ingest"

    @property
    def intakes(self) -> bool:
        return self is not Role.INGEST

    @property
    def ingests(self) -> bool:
        return self is not Role.INTAKE


class ChannelsSettings(ServiceSettings):
    model_config = service_settings_config("CHANNELS_")

    service_name: str = "channels"
    http_port: Port = 8003
    role: Role = Role.ALL
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=2525, ge=0, le=65535, description="0: any free port")
    max_email_bytes: int = Field(
        default=25 * MIB, ge=1024, description="inbound emails above this are refused (552/413)"
    )
    blob_dir: Path | None = Field(
        default=None,
        description="raw emails and attachments on the embedded default; empty:"
        " <var_dir>/channels-blobs (with a MongoDB store: GridFS)",
    )
    loop_burst_count: int = Field(
        default=20,
        ge=2,
        description="messages from one sender within loop_window_seconds"
        " that mark a suspected mail loop (held)",
    )
    loop_window_seconds: float = Field(default=600.0, gt=0)
    smtp_relay_url: str = Field(
        default="",
        description="smtp://user:password@host:port (smtps:// for TLS) for outbound mail;"
        " empty: delivered to the Maildir <var_dir>/outbound-mail",
    )
    outbound_maildir: Path | None = Field(
        default=None, description="empty: <var_dir>/outbound-mail"
    )
    send_max_attempts: int = Field(
        default=8, ge=1, description="transient delivery failures before a message fails"
    )
    send_retry_max_seconds: float = Field(default=300.0, ge=0.1)
    send_lease_seconds: float = Field(
        default=60.0,
        ge=2.0,
        description="a delivery attempt's claim; a killed process's claims are retried after it",
    )

    @field_validator("smtp_relay_url")
    @classmethod
    def _a_relay_url(cls, url: str) -> str:
        if url:
            parts = urlsplit(url)
            port = parts.port  # raises ValueError when it is not a port number
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == 0:
                raise ValueError("expected smtp://[user:password@]host[:port] or smtps://...")
        return url

    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.var_dir / "channels-blobs"

    def resolved_outbound_maildir(self) -> Path:
        return self.outbound_maildir or self.var_dir / "outbound-mail"
