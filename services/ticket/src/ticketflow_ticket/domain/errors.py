"""The ticket service's errors.

TicketflowError (contracts)
└── TicketError
    ├── TicketNotFound            OBJECT_NOT_FOUND
    └── InvalidTicket             VALIDATION_ERROR (one ErrorDetail per bad property)
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
