"""Ticket property values: the built-ins every account has, custom ones checked against the
account's definitions (a revision-checked replica of the pipeline service's), and the
read-only computed ones. Values travel as strings, as in HubSpot's API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from ticketflow_contracts import (
    PropertyFieldType,
    PropertyType,
    SourceType,
    TicketPropertySnapshot,
    UserRecord,
)
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.errors import InvalidTicket

PIPELINE, STATUS = "hs_pipeline", "hs_pipeline_stage"
OWNER = "hubspot_owner_id"
# Set by ticketflow, never by a writer (HubSpot answers READ_ONLY_VALUE for them too).
READ_ONLY = frozenset(
    {"createdate", "hs_lastmodifieddate", "closed_date", "time_to_close", "hs_is_closed"}
    | {"hs_object_id"}
)
MAX_STRING_LENGTH = 65_536  # HubSpot's limit for a string property value
MAX_SUBJECT_LENGTH = 1000
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
CHECKBOX_SEPARATOR = ";"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH_MILLIS = re.compile(r"^-?\d{1,15}$")
_MILLIS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class Kind:
    """How a property's values are checked: its type, field type, options and length."""

    type: PropertyType
    field_type: PropertyFieldType = PropertyFieldType.TEXT
    options: tuple[str, ...] = ()
    max_length: int = MAX_STRING_LENGTH


_S, _E = PropertyType.STRING, PropertyType.ENUMERATION
BUILT_INS: Mapping[str, Kind] = {
    "subject": Kind(_S, max_length=MAX_SUBJECT_LENGTH),
    "content": Kind(_S, PropertyFieldType.TEXTAREA),
    "hs_ticket_priority": Kind(_E, PropertyFieldType.SELECT, PRIORITIES),
    # An owner is an active user of the account (owner id = user id), as the replica holds it.
    OWNER: Kind(_S, max_length=100),
    "source_type": Kind(_E, PropertyFieldType.SELECT, tuple(s.value for s in SourceType)),
    "hs_ticket_category": Kind(_E, PropertyFieldType.CHECKBOX, CATEGORIES),
}


@dataclass(frozen=True)
class PropertyDefinitionReplica:
    """A custom ticket property definition as the pipeline service last published it."""

    account_id: str
    revision: int
    definition: TicketPropertySnapshot

    def supersedes(self, current: PropertyDefinitionReplica | None) -> bool:
        return current is None or self.revision > current.revision

    @property
    def kind(self) -> Kind:
        d = self.definition
        return Kind(d.type, d.field_type, tuple(o.value for o in d.options))


Values = dict[str, str]
"""A ticket's stored property values (built-in and custom), without pipeline and status."""


def check_values(
    raw: Mapping[str, str | None],
    definitions: Mapping[str, PropertyDefinitionReplica],
    owners: Mapping[str, UserRecord] = MappingProxyType({}),
) -> dict[str, str | None]:
    """The values to write, normalised; None (or "") clears a property, as in HubSpot.

    `raw` holds no hs_pipeline/hs_pipeline_stage; `definitions` holds the custom definitions
    of the names in it that are not built-ins (archived ones count as absent); `owners` the
    replicated user the owner id in it names, if any. Raises InvalidTicket with one
    ErrorDetail per bad property, so the caller fixes them all at once."""
    problems: list[ErrorDetail] = []
    checked: dict[str, str | None] = {}
    for name, value in raw.items():
        kind = _kind_of(name, definitions)
        if name in READ_ONLY:
            problems.append(
                ErrorDetail(
                    f"{name} is computed by ticketflow and cannot be set", name, "READ_ONLY_VALUE"
                )
            )
        elif kind is None:
            problems.append(
                ErrorDetail(f"property {name!r} does not exist", name, "PROPERTY_DOESNT_EXIST")
            )
        elif value is None or value == "":
            checked[name] = None
        else:
            try:
                checked[name] = normalise(kind, value)
            except ValueError as exc:
                problems.append(ErrorDetail(f"{name}: {exc}", name, "INVALID_VALUE"))
            else:
                if name == OWNER and not is_owner(owners.get(value)):
                    # HubSpot's answer for an unknown owner, code and wording.
                    message = f"{OWNER}: {value!r} is not a valid owner id"
                    problems.append(ErrorDetail(message, OWNER, "INVALID_OWNER_ID"))
    if problems:
        raise InvalidTicket(problems)
    return checked


def owner_named(raw: Mapping[str, str | None]) -> str | None:
    """The owner id a write sets (None when it sets none or clears it)."""
    return raw.get(OWNER) or None


def is_owner(user: UserRecord | None) -> bool:
    """Owners are the account's active users (a deactivated one owns no new tickets)."""
    return user is not None and user.active


def _kind_of(name: str, definitions: Mapping[str, PropertyDefinitionReplica]) -> Kind | None:
    if name in BUILT_INS:
        return BUILT_INS[name]
    replica = definitions.get(name)
    if replica is None or replica.definition.archived:
        return None
    return replica.kind


def normalise(kind: Kind, value: str) -> str:
    """`value` as stored; ValueError with a sentence when it does not fit `kind`."""
    if kind.type is PropertyType.STRING:
        if len(value) > kind.max_length:
            raise ValueError(f"longer than {kind.max_length} characters")
        return value
    if kind.type is PropertyType.NUMBER:
        return _number(value)
    if kind.type is PropertyType.ENUMERATION:
        return _enumeration(kind, value)
    if kind.type is PropertyType.BOOL:
        if value.strip().lower() not in ("true", "false"):
            raise ValueError(f"{value!r} is neither true nor false")
        return value.strip().lower()
    if kind.type is PropertyType.DATE:
        return _date(value)
    return _datetime(value)


def _number(value: str) -> str:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return value.strip()


def _enumeration(kind: Kind, value: str) -> str:
    if kind.field_type is PropertyFieldType.CHECKBOX:
        # HubSpot: several options in one value, separated by `;`.
        chosen = [v.strip() for v in value.split(CHECKBOX_SEPARATOR) if v.strip()]
    else:
        chosen = [value]
    unknown = [v for v in chosen if v not in kind.options]
    if unknown:
        raise ValueError(
            f"{', '.join(map(repr, unknown))} is not one of the options "
            f"{', '.join(kind.options) or '(none)'}"
        )
    return CHECKBOX_SEPARATOR.join(dict.fromkeys(chosen))


def _date(value: str) -> str:
    """YYYY-MM-DD, or HubSpot's form: epoch milliseconds at midnight UTC."""
    text = value.strip()
    if _EPOCH_MILLIS.match(text):
        millis = int(text)
        if millis % _MILLIS_PER_DAY:
            raise ValueError(f"{value!r} is not midnight UTC in epoch milliseconds")
        return datetime.fromtimestamp(millis / 1000, UTC).date().isoformat()
    if not _DATE.match(text):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _datetime(value: str) -> str:
    """ISO-8601 (without an offset: UTC) or epoch milliseconds; stored as UTC with ms."""
    text = value.strip()
    try:
        if _EPOCH_MILLIS.match(text):
            moment = datetime.fromtimestamp(int(text) / 1000, UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{value!r} is not a date-time (ISO-8601 or epoch milliseconds)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp(moment)


def timestamp(moment: datetime) -> str:
    """HubSpot's date-time text: `2026-11-25T12:00:00.000Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def apply(values: Mapping[str, str], changes: Mapping[str, str | None]) -> Values:
    """`values` with `changes` applied (None removes)."""
    result = dict(values)
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str | None]:
    """The names whose value differs, with the new value (None: cleared)."""
    return {
        name: after.get(name)
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }
