"""Error categories: how an error is named when it crosses a boundary as data.

The names follow HubSpot's API error `category` values where HubSpot has one.
A service's domain errors carry one of these; the chassis maps it to an HTTP status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCategory(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    UNPROCESSABLE = "UNPROCESSABLE"
    OBJECT_NOT_FOUND = "OBJECT_NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_AUTHENTICATION = "INVALID_AUTHENTICATION"
    MISSING_SCOPES = "MISSING_SCOPES"
    TIER_LIMIT = "TIER_LIMIT"
    UNAVAILABLE = "UNAVAILABLE"


@dataclass(frozen=True)
class ErrorDetail:
    """One problem, optionally tied to a field (`in`), as in HubSpot's `errors[]`."""

    message: str
    field: str | None = None
    code: str | None = None


@dataclass(eq=False)
class TicketflowError(Exception):
    """Base of every service's domain errors: a category, a sentence a person understands,
    and the individual problems."""

    message: str
    category: ErrorCategory = ErrorCategory.VALIDATION_ERROR
    errors: list[ErrorDetail] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message
