"""The notifier's errors.

TicketflowError (contracts)
└── NotifierError
    └── TicketRecordNotFound      OBJECT_NOT_FOUND
"""

from __future__ import annotations

from ticketflow_contracts.errors import ErrorCategory, TicketflowError


class NotifierError(TicketflowError):
    pass


class TicketRecordNotFound(NotifierError):
    def __init__(self, ticket_id: str):
        super().__init__(
            f"the notifier has no record of ticket {ticket_id!r}", ErrorCategory.OBJECT_NOT_FOUND
        )
