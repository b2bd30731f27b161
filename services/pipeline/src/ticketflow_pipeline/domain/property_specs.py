"""What a custom ticket property may look like (name, texts, type and fieldType, options):
`validated_snapshot` turns a PropertySpec into its state or raises InvalidProperty."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketflow_contracts import (
    PropertyFieldType,
    PropertyOption,
    PropertyType,
    TicketPropertySnapshot,
    forbidden_control_characters,
)
from ticketflow_pipeline.domain.errors import InvalidProperty

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME_LENGTH = 100
MAX_LABEL_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 1000
MAX_GROUP_NAME_LENGTH = 100
MAX_OPTIONS = 1000
MAX_OPTION_TEXT_LENGTH = 255
RESERVED_PREFIX = "hs_"  # HubSpot keeps `hs_` names for its own properties
CHECKBOX_SEPARATOR = ";"  # a multi-checkbox value holds its options joined by `;`

_T, _F = PropertyType, PropertyFieldType
FIELD_TYPES: Mapping[PropertyType, frozenset[PropertyFieldType]] = {
    _T.STRING: frozenset({_F.TEXT, _F.TEXTAREA, _F.PHONENUMBER, _F.FILE}),
    _T.NUMBER: frozenset({_F.NUMBER}),
    _T.ENUMERATION: frozenset({_F.SELECT, _F.RADIO, _F.CHECKBOX}),
    _T.BOOL: frozenset({_F.BOOLEANCHECKBOX}),
    _T.DATE: frozenset({_F.DATE}),
    _T.DATETIME: frozenset({_F.DATE}),
}
OPTION_TYPES = frozenset({_T.ENUMERATION, _T.BOOL})
UNIQUE_VALUE_TYPES = frozenset({_T.STRING, _T.NUMBER})
YES_NO = (("true", "Yes"), ("false", "No"))  # a bool property's options


@dataclass(frozen=True)
class NewOption:
    """An option as a request gives it; `display_order` None takes its position."""

    label: str
    value: str
    display_order: int | None = None
    hidden: bool = False
    description: str = ""


@dataclass(frozen=True)
class PropertySpec:
    """A custom property as a create request describes it."""

    name: str
    label: str
    type: PropertyType
    field_type: PropertyFieldType
    group_name: str
    description: str = ""
    options: Sequence[NewOption] = ()
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False


def check_name(name: str) -> None:
    _refuse_control_characters(name, "name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidProperty(
            f"name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed",
            "name",
            "too_long",
        )
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidProperty(
            f"name {name!r} must start with a lowercase letter and hold only lowercase "
            "letters, digits and underscores",
            "name",
            "invalid_name",
        )


def _refuse_control_characters(value: str, field: str) -> None:
    forbidden = forbidden_control_characters(value)
    if forbidden:
        raise InvalidProperty(
            f"{field} must not hold control characters ({', '.join(forbidden)})",
            field,
            "control_characters",
        )


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    _refuse_control_characters(value, field)
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise InvalidProperty(f"{field} must not be blank", field, "blank")
    if len(cleaned) > limit:
        raise InvalidProperty(
            f"{field} is {len(cleaned)} characters long; at most {limit} are allowed",
            field,
            "too_long",
        )
    return cleaned


def _check_types(spec: PropertySpec) -> None:
    allowed = FIELD_TYPES[spec.type]
    if spec.field_type not in allowed:
        names = ", ".join(sorted(f.value for f in allowed))
        raise InvalidProperty(
            f"fieldType {spec.field_type.value!r} does not fit type {spec.type.value!r}; "
            f"use {names}",
            "fieldType",
            "invalid_field_type",
        )
    if spec.has_unique_value and spec.type not in UNIQUE_VALUE_TYPES:
        raise InvalidProperty(
            "only string and number properties can require unique values",
            "hasUniqueValue",
            "invalid_unique_value",
        )


def _options(spec: PropertySpec) -> list[PropertyOption]:
    if spec.type not in OPTION_TYPES:
        if spec.options:
            raise InvalidProperty(
                f"a {spec.type.value} property has no options; only enumeration and bool do",
                "options",
                "options_not_allowed",
            )
        return []
    if spec.type is PropertyType.BOOL and not spec.options:
        return [
            PropertyOption(value=value, label=label, display_order=order)
            for order, (value, label) in enumerate(YES_NO)
        ]
    if len(spec.options) > MAX_OPTIONS:
        raise InvalidProperty(
            f"a property holds at most {MAX_OPTIONS} options", "options", "too_many"
        )
    if not spec.options:
        raise InvalidProperty(
            "an enumeration property needs at least one option", "options", "no_options"
        )
    built = [_option(option, index) for index, option in enumerate(spec.options)]
    values = [o.value for o in built]
    for index, value in enumerate(values):
        if value in values[:index]:
            raise InvalidProperty(
                f"option value {value!r} is used twice", f"options.{index}.value", "duplicate"
            )
    if spec.type is PropertyType.BOOL and sorted(values) != sorted(v for v, _ in YES_NO):
        raise InvalidProperty(
            "a bool property has exactly two options, with the values 'true' and 'false'",
            "options",
            "invalid_bool_options",
        )
    return built


def _option(option: NewOption, index: int) -> PropertyOption:
    where = f"options.{index}"
    _refuse_control_characters(option.value, f"{where}.value")
    value = option.value.strip()
    if not value:
        raise InvalidProperty(f"{where}.value must not be blank", f"{where}.value", "blank")
    if len(value) > MAX_OPTION_TEXT_LENGTH:
        raise InvalidProperty(
            f"{where}.value is longer than {MAX_OPTION_TEXT_LENGTH} characters",
            f"{where}.value",
            "too_long",
        )
    if CHECKBOX_SEPARATOR in value:
        raise InvalidProperty(
            f"{where}.value must not contain {CHECKBOX_SEPARATOR!r} (it separates the values "
            "of a multiple checkbox)",
            f"{where}.value",
            "invalid_value",
        )
    return PropertyOption(
        value=value,
        label=_text(option.label, f"{where}.label", MAX_OPTION_TEXT_LENGTH),
        display_order=option.display_order if option.display_order is not None else index,
        hidden=option.hidden,
        description=_text(
            option.description, f"{where}.description", MAX_DESCRIPTION_LENGTH, required=False
        ),
    )


def validated_snapshot(
    spec: PropertySpec, *, created_at: datetime, now: datetime
) -> TicketPropertySnapshot:
    _check_types(spec)
    return TicketPropertySnapshot(
        name=spec.name,
        label=_text(spec.label, "label", MAX_LABEL_LENGTH),
        type=spec.type,
        field_type=spec.field_type,
        group_name=_text(spec.group_name, "groupName", MAX_GROUP_NAME_LENGTH),
        description=_text(spec.description, "description", MAX_DESCRIPTION_LENGTH, required=False),
        options=_options(spec),
        display_order=spec.display_order,
        has_unique_value=spec.has_unique_value,
        hidden=spec.hidden,
        form_field=spec.form_field,
        created_at=created_at,
        updated_at=now,
    )
