"""The one function that turns a message class into its type name and routing key."""

from __future__ import annotations

import re

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """`TicketStatusChanged` -> `ticket_status_changed`."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def message_type_name(class_name: str, prefix: str) -> str:
    """`("TicketStatusChanged", "ticket")` -> `ticket.status_changed`.

    The prefix is the aggregate for events and the owning service for commands;
    a class name that starts with the prefix has it stripped (`TicketCreated`
    under `ticket` is `ticket.created`, not `ticket.ticket_created`).
    """
    snake = snake_case(class_name)
    head = prefix.replace(".", "_") + "_"
    rest = snake[len(head) :] if snake.startswith(head) else snake
    return f"{prefix}.{rest}"
