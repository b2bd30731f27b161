"""Ticket property definitions: HubSpot's built-in ticket properties (read-only, never stored)
and an account's custom ones, with the rules for defining, changing and archiving them.
Custom definitions record TicketPropertyDefined/Archived with a rising revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from ticketflow_contracts import (
    Event,
    PropertyFieldType,
    PropertyOption,
    PropertyType,
    SourceType,
    TicketPropertyArchived,
    TicketPropertyDefined,
    TicketPropertySnapshot,
)
from ticketflow_pipeline.domain.errors import InvalidProperty, PropertyExists
from ticketflow_pipeline.domain.property_specs import (
    OPTION_TYPES,
    RESERVED_PREFIX,
    YES_NO,
    NewOption,
    PropertySpec,
    check_name,
    validated_snapshot,
)

MAX_CUSTOM_PROPERTIES = 1000  # HubSpot's limit of custom properties per object
TICKET_GROUP = "ticketinformation"
_T, _F = PropertyType, PropertyFieldType

V = TypeVar("V")


@dataclass(frozen=True)
class PropertyChanges:
    """A PATCH: None keeps the current value. The name and `hasUniqueValue` never change."""

    label: str | None = None
    type: PropertyType | None = None
    field_type: PropertyFieldType | None = None
    group_name: str | None = None
    description: str | None = None
    options: Sequence[NewOption] | None = None
    display_order: int | None = None
    hidden: bool | None = None
    form_field: bool | None = None


@dataclass
class PropertyDefinition:
    """Built-ins have revision 0 and are never saved; `read_only_value` ones are computed."""

    account_id: str
    state: TicketPropertySnapshot
    revision: int
    built_in: bool = False
    read_only_value: bool = False
    calculated: bool = False
    external_options: bool = False
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def archived(self) -> bool:
        return self.state.archived

    def update(self, changes: PropertyChanges, now: datetime) -> None:
        self._require_custom("changed")
        state = self.state
        new_type = changes.type if changes.type is not None else state.type
        options: Sequence[NewOption] | None = changes.options
        if options is None:
            # Switching to a type without options drops them; otherwise they stay as they are.
            options = [_as_new(o) for o in state.options] if new_type in OPTION_TYPES else []
        spec = PropertySpec(
            name=state.name,
            label=_pick(changes.label, state.label),
            type=new_type,
            field_type=_pick(changes.field_type, state.field_type),
            group_name=_pick(changes.group_name, state.group_name),
            description=_pick(changes.description, state.description),
            options=options,
            display_order=_pick(changes.display_order, state.display_order),
            has_unique_value=state.has_unique_value,
            hidden=_pick(changes.hidden, state.hidden),
            form_field=_pick(changes.form_field, state.form_field),
        )
        self.state = validated_snapshot(spec, created_at=state.created_at, now=now)
        self.revision += 1
        self.events.append(TicketPropertyDefined(revision=self.revision, definition=self.state))

    def archive(self, now: datetime) -> None:
        """Its name stays taken; statuses that list it must drop it first (status_properties)."""
        self._require_custom("archived")
        self.state = self.state.model_copy(
            update={"archived": True, "archived_at": now, "updated_at": now}
        )
        self.revision += 1
        self.events.append(TicketPropertyArchived(revision=self.revision, definition=self.state))

    def _require_custom(self, verb: str) -> None:
        if self.built_in:
            raise InvalidProperty(
                f"{self.name!r} is a built-in ticket property; it cannot be {verb}",
                "name",
                "read_only_definition",
            )


def define_property(
    account_id: str,
    spec: PropertySpec,
    *,
    taken: PropertyDefinition | None,
    custom_count: int,
    now: datetime,
) -> PropertyDefinition:
    """`taken` is the stored definition with that name (archived ones too), if any;
    `custom_count` the account's live custom properties."""
    check_name(spec.name)
    if spec.name in BUILT_IN_NAMES:
        raise PropertyExists(f"{spec.name!r} is a built-in ticket property; choose another name")
    if spec.name.startswith(RESERVED_PREFIX):
        raise InvalidProperty(
            f"names starting with {RESERVED_PREFIX!r} are reserved for built-in properties",
            "name",
            "reserved_name",
        )
    if taken is not None:
        which = "an archived" if taken.archived else "a"
        raise PropertyExists(f"{which} ticket property named {spec.name!r} already exists")
    if custom_count >= MAX_CUSTOM_PROPERTIES:
        raise InvalidProperty(
            f"an account holds at most {MAX_CUSTOM_PROPERTIES} custom ticket properties; "
            "archive one to define another",
            "name",
            "too_many",
        )
    state = validated_snapshot(spec, created_at=now, now=now)
    definition = PropertyDefinition(account_id, state, revision=1)
    definition.events.append(TicketPropertyDefined(revision=1, definition=state))
    return definition


def _pick(new: V | None, current: V) -> V:
    return current if new is None else new


def _as_new(option: PropertyOption) -> NewOption:
    return NewOption(
        option.label, option.value, option.display_order, option.hidden, option.description
    )


# -- built-ins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BuiltIn:
    name: str
    label: str
    type: PropertyType
    field_type: PropertyFieldType
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    computed: bool = False  # its value is set by ticketflow, never written
    calculated: bool = False
    external_options: bool = False  # options come from elsewhere (pipelines, owners)


_SOURCE_LABELS = {SourceType.FACEBOOK_MESSENGER: "Facebook Messenger", SourceType.API: "API"}
_BUILT_INS = (
    _BuiltIn("subject", "Ticket name", _T.STRING, _F.TEXT),
    _BuiltIn("content", "Ticket description", _T.STRING, _F.TEXTAREA),
    _BuiltIn("hs_pipeline", "Pipeline", _T.ENUMERATION, _F.SELECT, external_options=True),
    _BuiltIn(
        "hs_pipeline_stage", "Ticket status", _T.ENUMERATION, _F.SELECT, external_options=True
    ),
    _BuiltIn(
        "hs_ticket_priority",
        "Priority",
        _T.ENUMERATION,
        _F.SELECT,
        (("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent")),
    ),
    _BuiltIn("hubspot_owner_id", "Ticket owner", _T.ENUMERATION, _F.SELECT, external_options=True),
    _BuiltIn(
        "source_type",
        "Source",
        _T.ENUMERATION,
        _F.SELECT,
        tuple((s.value, _SOURCE_LABELS.get(s, s.value.capitalize())) for s in SourceType),
    ),
    _BuiltIn(
        "hs_ticket_category",
        "Category",
        _T.ENUMERATION,
        _F.CHECKBOX,
        (
            ("PRODUCT_ISSUE", "Product issue"),
            ("BILLING_ISSUE", "Billing issue"),
            ("FEATURE_REQUEST", "Feature request"),
            ("GENERAL_INQUIRY", "General inquiry"),
        ),
    ),
    _BuiltIn("createdate", "Create date", _T.DATETIME, _F.DATE, computed=True),
    _BuiltIn("hs_lastmodifieddate", "Last modified date", _T.DATETIME, _F.DATE, computed=True),
    _BuiltIn("closed_date", "Close date", _T.DATETIME, _F.DATE, computed=True),
    _BuiltIn(
        "time_to_close", "Time to close", _T.NUMBER, _F.NUMBER, computed=True, calculated=True
    ),
    _BuiltIn(
        "hs_is_closed",
        "Is closed",
        _T.BOOL,
        _F.BOOLEANCHECKBOX,
        YES_NO,
        computed=True,
        calculated=True,
    ),
)
_BUILT_IN_BY_NAME = {b.name: b for b in _BUILT_INS}
BUILT_IN_NAMES = frozenset(_BUILT_IN_BY_NAME)


def built_in(name: str, since: datetime, account_id: str = "") -> PropertyDefinition | None:
    """The built-in property `name`, as it exists for an account opened at `since`."""
    spec = _BUILT_IN_BY_NAME.get(name)
    if spec is None:
        return None
    state = TicketPropertySnapshot(
        name=spec.name,
        label=spec.label,
        type=spec.type,
        field_type=spec.field_type,
        group_name=TICKET_GROUP,
        options=[
            PropertyOption(value=value, label=label, display_order=order)
            for order, (value, label) in enumerate(spec.options)
        ],
        display_order=_BUILT_INS.index(spec),
        created_at=since,
        updated_at=since,
    )
    return PropertyDefinition(
        account_id,
        state,
        revision=0,
        built_in=True,
        read_only_value=spec.computed,
        calculated=spec.calculated,
        external_options=spec.external_options,
    )


def built_ins(since: datetime, account_id: str = "") -> list[PropertyDefinition]:
    found = (built_in(b.name, since, account_id) for b in _BUILT_INS)
    return [d for d in found if d is not None]
