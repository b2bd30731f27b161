"""Base classes for events and commands; their type name derives from the class name."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ticketflow_contracts.naming import message_type_name
from ticketflow_contracts.routing import event_routing_key


class Message(BaseModel):
    """A payload. Subclasses set `prefix` (aggregate or owning service) and may raise `version`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prefix: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def message_type(cls) -> str:
        return message_type_name(cls.__name__, cls.prefix)

    def aggregate_id(self) -> str | None:
        """The id, within its account, of what the message is about (a publisher keeps the
        messages about one thing in order); by default the payload's `<prefix>_id`."""
        value = getattr(self, f"{self.prefix}_id", None)
        return value if isinstance(value, str) else None


class Event(Message):
    """Something that happened; published on the events exchange.

    An event that has a source channel overrides `source_channel` so that its
    routing key carries it (`ticket.created.chat`).
    """

    def source_channel(self) -> str | None:
        return None

    def routing_key(self) -> str:
        return event_routing_key(self.message_type(), self.source_channel())


class Command(Message):
    """A request to the one service that owns it; routed by its type on the commands exchange."""

    def routing_key(self) -> str:
        return self.message_type()
