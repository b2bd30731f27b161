"""The ticket service's errors.

TicketflowError (contracts)
└── TicketError
    ├── TicketNotFound            OBJECT_NOT_FOUND
    ├── InvalidTicket             VALIDATION_ERROR (one ErrorDetail per bad property)
    └── TicketAccessDenied        MISSING_SCOPES (view-only access to the pipeline)
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


class TicketAccessDenied(TicketError):
    def __init__(self, pipeline_id: str):
        super().__init__(
            f"you may view the tickets of pipeline {pipeline_id!r} but not create or change them",
            ErrorCategory.MISSING_SCOPES,
        )
