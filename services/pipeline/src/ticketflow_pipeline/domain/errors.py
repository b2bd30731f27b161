"""The pipeline service's errors.

TicketflowError (contracts)
└── PipelineError
    ├── PipelineNotFound          OBJECT_NOT_FOUND
    ├── AccountNotFound           OBJECT_NOT_FOUND
    └── InvalidAccount            VALIDATION_ERROR
"""

from __future__ import annotations

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError


class PipelineError(TicketflowError):
    pass


class PipelineNotFound(PipelineError):
    def __init__(self, pipeline_id: str):
        super().__init__(f"pipeline {pipeline_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class AccountNotFound(PipelineError):
    def __init__(self, account_id: str):
        super().__init__(f"account {account_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidAccount(PipelineError):
    def __init__(self, message: str, field: str):
        super().__init__(message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field)])
