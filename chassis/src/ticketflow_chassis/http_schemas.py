"""The base of every JSON request body: HubSpot's camelCase field names, unknown fields refused
(so a typo is a 400 naming the field, not a silent no-op)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# HubSpot's integers (display orders) are 32-bit; a larger one would overflow the stores'
# 64-bit integers (SQLite's binding, BSON) as a 500 instead of a 400 naming the field.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class CamelInput(BaseModel):
    """`class StatusInput(CamelInput): display_order: int` reads `{"displayOrder": 1}`."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


def timestamp(value: datetime) -> str:
    """A time as HubSpot's APIs write it: UTC, milliseconds, `Z` (`2026-12-01T09:00:00.000Z`)."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
