"""The base of every JSON request body: HubSpot's camelCase field names, unknown fields refused
(so a typo is a 400 naming the field, not a silent no-op)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelInput(BaseModel):
    """`class StatusInput(CamelInput): display_order: int` reads `{"displayOrder": 1}`."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)
