"""Exchange names and routing keys: the only place they are spelled."""

from __future__ import annotations

EVENTS_EXCHANGE = "ticketflow.events"
"""Durable topic exchange for integration events; key `<aggregate>.<event>[.<source>]`."""

COMMANDS_EXCHANGE = "ticketflow.commands"
"""Durable direct exchange for commands; key = the command's type (`channels.send_message`)."""

DEAD_LETTER_EXCHANGE = "ticketflow.dlx"
"""Durable direct exchange; dead letters are routed by their queue's name to `<queue>.dlq`."""


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def event_routing_key(message_type: str, source: str | None) -> str:
    """`("ticket.created", "chat")` -> `ticket.created.chat`; no source, no suffix.

    A workflow subscriber follows everything chat-sourced with one binding,
    `*.*.chat`, and a consumer of every ticket creation binds `ticket.created.#`.
    """
    return f"{message_type}.{source}" if source else message_type
