"""The AsyncAPI document of a service: the queues it consumes and the events it publishes,
each event with its routing key and the envelope schema it travels in (FastStream generates it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI
from pydantic import create_model

from ticketflow_chassis.messaging.topology import EVENTS
from ticketflow_contracts import Envelope, Event, SourceType

_SOURCES = ", ".join(s.channel for s in SourceType)


def routing_key_pattern(event: type[Event]) -> str:
    """`ticket.created.<source>` for events that carry a source, else `account.created`."""
    sourced = event.source_channel is not Event.source_channel
    return f"{event.message_type()}.<source>" if sourced else event.message_type()


def document_publications(broker: RabbitBroker, events: Sequence[type[Event]]) -> None:
    """Declare, for the document only, what the outbox relay publishes."""
    for event in events:
        envelope = create_model(
            f"{event.__name__}Envelope", __base__=Envelope, payload=(event, ...)
        )
        pattern = routing_key_pattern(event)
        description = f"Routing key `{pattern}` on `{EVENTS.name}`."
        if pattern.endswith("<source>"):
            description += (
                f" `<source>` is one of {_SOURCES}; without a source the key has no suffix."
            )
        broker.publisher(
            exchange=EVENTS,
            routing_key=pattern,
            schema=envelope,
            title=f"{event.message_type()} v{event.version}",
            description=description,
            persist=True,
        )


def asyncapi_document(broker: RabbitBroker, title: str) -> dict[str, Any]:
    specification = AsyncAPI(broker, title=title, version="0.1.0").to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    return document
