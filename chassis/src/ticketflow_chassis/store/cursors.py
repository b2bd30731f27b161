"""Keyset paging cursors: the last document's sort values and id, base64 JSON, and their
strict decoding (JSON scalars only, bounded length), so that no cursor a client forges becomes
a query operator."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from ticketflow_chassis.store.port import (
    ID_FIELD,
    MAX_CURSOR_LENGTH,
    Document,
    InvalidCursorError,
    SortKey,
    field_value,
    is_scalar,
)


def encode_cursor(document: Document, sort: Sequence[SortKey]) -> str:
    values = [field_value(document, s.field) for s in sort] + [document[ID_FIELD]]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_cursor(cursor: str, sort: Sequence[SortKey]) -> list[Any]:
    """The sort values then the id of the last document of the previous page: JSON scalars
    only, so that no cursor a client forges becomes a query operator on MongoDB."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError(
            f"invalid paging cursor: {len(cursor)} characters, more than {MAX_CURSOR_LENGTH}"
        )
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()), parse_constant=_no_constant)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise InvalidCursorError(f"invalid paging cursor {cursor!r}") from exc
    if (
        not isinstance(values, list)
        or len(values) != len(sort) + 1
        or not isinstance(values[-1], str)
        or not all(is_scalar(v) for v in values)
    ):
        raise InvalidCursorError(f"invalid paging cursor {cursor!r}")
    return values
