"""The channels service's errors.

TicketflowError (contracts)
└── ChannelsError
    ├── ConnectionNotFound        OBJECT_NOT_FOUND (also another account's, or disconnected)
    ├── InvalidConnection         VALIDATION_ERROR (type, address, pipelineId)
    ├── ConnectionExists          CONFLICT (the account has this channel connected already)
    ├── ContactNotFound           OBJECT_NOT_FOUND (also another account's)
    ├── InvalidContact            VALIDATION_ERROR (an address that is not one)
    ├── IntakeMissing             OBJECT_NOT_FOUND (an ingestion command names no intake)
    ├── ConversationNotFound      OBJECT_NOT_FOUND (also another account's)
    ├── MessageNotFound           OBJECT_NOT_FOUND (also another account's)
    ├── AttachmentNotFound        OBJECT_NOT_FOUND (no attachment at that index)
    ├── InvalidMessage            VALIDATION_ERROR (a message that cannot be sent as asked)
    ├── NotAnEmail                VALIDATION_ERROR (an inbound body that starts with no header)
    ├── UnknownRecipient          UNPROCESSABLE (no connected address of the account to file it)
    └── IntakeUnavailable         UNAVAILABLE (the raw email could not be stored and queued)
"""

from __future__ import annotations

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError


class ChannelsError(TicketflowError):
    pass


class ConnectionNotFound(ChannelsError):
    def __init__(self, connection_id: str):
        super().__init__(
            f"channel connection {connection_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND
        )


class InvalidConnection(ChannelsError):
    def __init__(self, message: str, field: str, code: str):
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field, code)]
        )


class ConnectionExists(ChannelsError):
    def __init__(self, message: str):
        super().__init__(
            message, ErrorCategory.CONFLICT, [ErrorDetail(message, "address", "already_connected")]
        )


class ContactNotFound(ChannelsError):
    def __init__(self, contact_id: str):
        super().__init__(f"contact {contact_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidContact(ChannelsError):
    def __init__(self, message: str, field: str):
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field, "invalid")]
        )


class IntakeMissing(ChannelsError):
    """An ingestion command for an intake that was never stored: nothing to retry."""

    def __init__(self, intake_id: str):
        super().__init__(f"intake {intake_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class ConversationNotFound(ChannelsError):
    def __init__(self, conversation_id: str):
        super().__init__(
            f"conversation {conversation_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND
        )


class MessageNotFound(ChannelsError):
    def __init__(self, message_id: str):
        super().__init__(f"message {message_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class AttachmentNotFound(ChannelsError):
    def __init__(self, message_id: str, index: int):
        super().__init__(
            f"message {message_id!r} has no attachment {index}", ErrorCategory.OBJECT_NOT_FOUND
        )


class InvalidMessage(ChannelsError):
    def __init__(self, message: str, field: str, code: str):
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field, code)]
        )


class NotAnEmail(ChannelsError):
    def __init__(self) -> None:
        message = "the body is not an email: it must start with a header line (Name: value)"
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, "body", "not_an_email")]
        )


class UnknownRecipient(ChannelsError):
    def __init__(self, message: str):
        super().__init__(
            message,
            ErrorCategory.UNPROCESSABLE,
            [ErrorDetail(message, "recipient", "not_connected")],
        )


class IntakeUnavailable(ChannelsError):
    """The blob store or the document store failed (after the unit of work's retries): the
    email was not accepted, the sender should try again later (SMTP 451, HTTP 503)."""

    def __init__(self, cause: BaseException):
        super().__init__(
            f"the email could not be stored for now ({type(cause).__name__}); retry later",
            ErrorCategory.UNAVAILABLE,
        )
