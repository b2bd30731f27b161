"""Labels of pipelines and statuses: trimmed, not blank, length-limited, free of control
characters and bidi overrides (contracts' rule), unique (any case)."""

from __future__ import annotations

from collections.abc import Iterable

from ticketflow_contracts import forbidden_control_characters
from ticketflow_pipeline.domain.errors import InvalidPipeline

MAX_LABEL_LENGTH = 100


def clean_label(label: str, field: str = "label") -> str:
    forbidden = forbidden_control_characters(label)
    if forbidden:
        raise InvalidPipeline(
            f"{field} must not hold control characters ({', '.join(forbidden)})",
            field,
            "control_characters",
        )
    cleaned = " ".join(label.split())
    if not cleaned:
        raise InvalidPipeline(f"{field} must not be blank", field, "blank")
    if len(cleaned) > MAX_LABEL_LENGTH:
        raise InvalidPipeline(
            f"{field} is {len(cleaned)} characters long; at most {MAX_LABEL_LENGTH} are allowed",
            field,
            "too_long",
        )
    return cleaned


def require_unique(label: str, others: Iterable[str], what: str, field: str = "label") -> None:
    if label.casefold() in {other.casefold() for other in others}:
        raise InvalidPipeline(f"{what} {label!r} already exists", field, "duplicate_label")
