"""The AsyncAPI document of a service: the queues it consumes (each message type with its
`Envelope[...]` schema, from the typed subscribers) and the events and commands it publishes,
each with its routing key and envelope schema (FastStream generates it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI

from ticketflow_chassis.messaging.topology import COMMANDS, EVENTS
from ticketflow_contracts import Envelope, Event, Message, SourceType

_SOURCES = ", ".join(s.channel for s in SourceType)


def routing_key_pattern(event: type[Event]) -> str:
    """`ticket.created.<source>` for events that carry a source, else `account.created`."""
    sourced = event.source_channel is not Event.source_channel
    return f"{event.message_type()}.<source>" if sourced else event.message_type()


def document_publications(broker: RabbitBroker, messages: Sequence[type[Message]]) -> None:
    """Declare, for the document only, what the outbox relay publishes: events on the events
    exchange, commands on the commands exchange (routed by their type to the owner's queue)."""
    for message in messages:
        if issubclass(message, Event):
            exchange, pattern = EVENTS, routing_key_pattern(message)
        else:
            exchange, pattern = COMMANDS, message.message_type()
        description = f"Routing key `{pattern}` on `{exchange.name}`."
        if pattern.endswith("<source>"):
            description += (
                f" `<source>` is one of {_SOURCES}; without a source the key has no suffix."
            )
        broker.publisher(
            exchange=exchange,
            routing_key=pattern,
            schema=Envelope[message],  # type: ignore[valid-type]  # a class known at run time
            title=f"{message.message_type()} v{message.version}",
            description=description,
            persist=True,
        )


def consumed_messages(document: dict[str, Any]) -> dict[str, set[str]]:
    """What an AsyncAPI document says each queue consumes: queue name -> the message classes
    of its `Envelope[...]` payload schemas (an empty set: a payload without a schema)."""
    consumed: dict[str, set[str]] = {}
    messages = document["components"]["messages"]
    for channel in document["channels"].values():
        if channel.get("bindings", {}).get("amqp", {}).get("is") != "queue":
            continue
        names: set[str] = set()
        for reference in channel["messages"].values():
            payload = messages[reference["$ref"].rsplit("/", 1)[-1]]["payload"]
            for schema in payload.get("oneOf", [payload]):
                name = unquote(schema.get("$ref", "").rsplit("/", 1)[-1])
                if name.startswith("Envelope[") and name.endswith("]"):
                    names.add(name[len("Envelope[") : -1])
        consumed[channel["address"]] = names
    return consumed


def asyncapi_document(broker: RabbitBroker, title: str) -> dict[str, Any]:
    specification = AsyncAPI(broker, title=title, version="0.1.0").to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    return document
