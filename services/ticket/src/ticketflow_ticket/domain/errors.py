"""The ticket service's errors.

TicketflowError (contracts)
└── TicketError
    ├── TicketNotFound            OBJECT_NOT_FOUND
    ├── InvalidTicket             VALIDATION_ERROR (one ErrorDetail per bad property)
    ├── InvalidSelection          VALIDATION_ERROR (`properties` to read: too many, too long)
    ├── MissingStatusProperties   UNPROCESSABLE (required properties of the status left empty)
    ├── StaleTicket               CONFLICT (If-Match names a version that is not the current)
    ├── TicketAccessDenied        MISSING_SCOPES (view-only access to the pipeline)
    └── IdempotencyKeyReused      UNPROCESSABLE (the key came with another creation before)

ReplicaBehind (not a TicketflowError: a consumer retries it, then dead-letters it with the
error): a message names something another service made that this one's replica does not
hold yet, after the bounded wait.
"""

from __future__ import annotations

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError


class TicketError(TicketflowError):
    pass


class TicketNotFound(TicketError):
    def __init__(self, ticket_id: str):
        super().__init__(f"ticket {ticket_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidTicket(TicketError):
    def __init__(self, problems: list[ErrorDetail]):
        summary = "; ".join(p.message for p in problems)
        super().__init__(
            f"the ticket is not valid: {summary}", ErrorCategory.VALIDATION_ERROR, problems
        )


class InvalidSelection(TicketError):
    def __init__(self, problems: list[ErrorDetail]):
        summary = "; ".join(p.message for p in problems)
        super().__init__(f"properties: {summary}", ErrorCategory.VALIDATION_ERROR, problems)


class TicketAccessDenied(TicketError):
    def __init__(self, pipeline_id: str):
        super().__init__(
            f"you may view the tickets of pipeline {pipeline_id!r} but not create or change them",
            ErrorCategory.MISSING_SCOPES,
        )


class MissingStatusProperties(TicketError):
    """Entering a status whose required properties the ticket would leave empty."""

    def __init__(self, status_id: str, names: list[str]):
        problems = [
            ErrorDetail(
                f"{name} is required in status {status_id!r}", name, "REQUIRED_STATUS_PROPERTY"
            )
            for name in names
        ]
        super().__init__(
            f"status {status_id!r} requires these properties, which are empty: {', '.join(names)}",
            ErrorCategory.UNPROCESSABLE,
            problems,
        )


class StaleTicket(TicketError):
    def __init__(self, ticket_id: str, expected: int, actual: int | None):
        super().__init__(
            f"ticket {ticket_id!r} is at version {actual}, not {expected} as If-Match says: "
            "someone else changed it; reload it and apply your change again",
            ErrorCategory.CONFLICT,
        )


class IdempotencyKeyReused(TicketError):
    """An Idempotency-Key repeated with another creation request (moves have their own)."""

    def __init__(self, key: str):
        message = (
            f"Idempotency-Key {key!r} came with another request before; use a new key for a "
            "new request"
        )
        super().__init__(
            message, ErrorCategory.UNPROCESSABLE, [ErrorDetail(message, "Idempotency-Key")]
        )


class ReplicaBehind(Exception):
    """Retryable: the replica may hold it on a later delivery."""


class NoConversation(TicketError):
    """An email from the ticket record needs the ticket's conversation (a ticket a channel
    created); one created over the API has none to reply in."""

    def __init__(self, ticket_id: str):
        message = f"ticket {ticket_id!r} has no conversation to send an email in"
        super().__init__(
            message,
            ErrorCategory.UNPROCESSABLE,
            [ErrorDetail(message, "ticketId", "no_conversation")],
        )
