"""The envelope every ticketflow message travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Envelope(BaseModel):
    """Metadata plus the payload as plain JSON data.

    Consumers are tolerant readers: unknown fields are ignored, here and in payloads.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: UUID
    type: str = Field(min_length=1, description="e.g. `ticket.created` or `channels.send_message`")
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    account_id: str = Field(min_length=1)
    correlation_id: UUID
    causation_id: UUID | None = None
    producer: str = Field(min_length=1, description="the service that wrote the message")
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)
