"""Ticket property definition events, published by the pipeline service (their owner).

Each carries the full definition with a rising `revision`; a replica (the ticket service
validates custom property values with it) applies one only when it is newer than its own.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event


class PropertyType(StrEnum):
    """HubSpot's property `type`: how a value is stored."""

    STRING = "string"
    NUMBER = "number"
    ENUMERATION = "enumeration"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"


class PropertyFieldType(StrEnum):
    """HubSpot's property `fieldType`: how a value is entered."""

    TEXT = "text"
    TEXTAREA = "textarea"
    PHONENUMBER = "phonenumber"
    FILE = "file"
    NUMBER = "number"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    BOOLEANCHECKBOX = "booleancheckbox"
    DATE = "date"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PropertyOption(_Part):
    """One allowed value of an enumeration (or bool) property; `value` is what tickets hold."""

    value: str
    label: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""


class TicketPropertySnapshot(_Part):
    """A custom ticket property as it is now. A `checkbox` enumeration holds several option
    values in one ticket value, separated by `;` (as in HubSpot)."""

    name: str
    label: str
    type: PropertyType
    field_type: PropertyFieldType
    group_name: str
    description: str = ""
    options: list[PropertyOption] = Field(default_factory=list)
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None


class TicketPropertyEvent(Event):
    prefix = "ticket_property"

    revision: int = Field(ge=1, description="rises with every change of this definition")
    definition: TicketPropertySnapshot

    def aggregate_id(self) -> str | None:
        return self.definition.name


class TicketPropertyDefined(TicketPropertyEvent):
    """A custom ticket property was created or changed (`ticket_property.defined`)."""


class TicketPropertyArchived(TicketPropertyEvent):
    """The last snapshot, with `archived` true; its values may no longer be written, and its
    name stays taken (`ticket_property.archived`)."""
