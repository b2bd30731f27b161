"""The envelope every ticketflow message travels in; `Envelope[TicketCreated]` types its payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from typing_extensions import TypeVar

from ticketflow_contracts.messages import Message

P = TypeVar("P", default=dict[str, Any])


class Envelope(BaseModel, Generic[P]):
    """Metadata plus the payload: plain JSON data, or a message class when parametrized.

    Consumers are tolerant readers: unknown fields are ignored, here and in payloads. A typed
    envelope refuses another type's payload and a newer version than its class knows (a
    breaking change is a new version).
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
    payload: P

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="before")
    @classmethod
    def _known_type_and_version(cls, data: Any) -> Any:
        payload_class = _message_class(cls.model_fields["payload"].annotation)
        if payload_class is None or not isinstance(data, dict):
            return data
        expected = payload_class.message_type()
        if data.get("type") != expected:
            raise ValueError(f"a {expected} envelope cannot carry type {data.get('type')!r}")
        version = data.get("version")
        if isinstance(version, int) and version > payload_class.version:
            raise ValueError(
                f"{expected} version {version} is newer than the supported version "
                f"{payload_class.version}"
            )
        return data


def _message_class(annotation: Any) -> type[Message] | None:
    if isinstance(annotation, type) and issubclass(annotation, Message):
        return annotation
    return None
