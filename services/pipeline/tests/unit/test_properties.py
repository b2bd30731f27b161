"""Ticket property definitions: names, types and fieldTypes, options, changes, archiving,
revisions and events, and the catalogue of built-in properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import (
    PropertyFieldType,
    PropertyType,
    SourceType,
    TicketPropertyArchived,
    TicketPropertyDefined,
)
from ticketflow_pipeline.domain.errors import InvalidProperty, PropertyExists
from ticketflow_pipeline.domain.properties import (
    BUILT_IN_NAMES,
    MAX_CUSTOM_PROPERTIES,
    PropertyChanges,
    PropertyDefinition,
    built_in,
    built_ins,
    define_property,
)
from ticketflow_pipeline.domain.property_specs import NewOption, PropertySpec

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
T, F = PropertyType, PropertyFieldType
PRODUCT = PropertySpec(
    name="product",
    label="Product",
    type=T.ENUMERATION,
    field_type=F.SELECT,
    group_name="ticketinformation",
    options=(NewOption("Widget", "widget"), NewOption("Gadget", "gadget")),
)


def define(
    spec: PropertySpec = PRODUCT, taken: PropertyDefinition | None = None
) -> PropertyDefinition:
    return define_property("a1", spec, taken=taken, custom_count=0, now=NOW)


def defined(spec: PropertySpec = PRODUCT) -> PropertyDefinition:
    definition = define(spec)
    definition.events.clear()
    return definition


def refusal(spec: PropertySpec) -> InvalidProperty:
    with pytest.raises(InvalidProperty) as caught:
        define(spec)
    return caught.value


def test_a_new_property_records_its_definition_at_revision_one() -> None:
    definition = define()

    [event] = definition.events
    assert isinstance(event, TicketPropertyDefined)
    assert event.revision == 1
    assert event.definition == definition.state
    assert [(o.value, o.label, o.display_order) for o in definition.state.options] == [
        ("widget", "Widget", 0),
        ("gadget", "Gadget", 1),
    ]
    assert definition.state.created_at == definition.state.updated_at == NOW


def test_texts_are_trimmed_and_their_inner_whitespace_collapsed() -> None:
    definition = define(replace(PRODUCT, label="  Product   line ", group_name=" tickets "))

    assert (definition.state.label, definition.state.group_name) == ("Product line", "tickets")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Product", "invalid_name"),
        ("1product", "invalid_name"),
        ("product-line", "invalid_name"),
        ("product line", "invalid_name"),
        ("_product", "invalid_name"),
        ("", "invalid_name"),
        ("p" * 101, "too_long"),
        ("hs_product", "reserved_name"),
    ],
)
def test_a_name_must_be_lowercase_snake_case_and_not_reserved(name: str, code: str) -> None:
    error = refusal(replace(PRODUCT, name=name))

    assert [(e.field, e.code) for e in error.errors] == [("name", code)]


def test_a_name_of_one_hundred_characters_is_accepted() -> None:
    assert define(replace(PRODUCT, name="p" * 100)).name == "p" * 100


@pytest.mark.parametrize("name", sorted(BUILT_IN_NAMES))
def test_a_built_in_name_cannot_be_taken(name: str) -> None:
    with pytest.raises(PropertyExists, match="built-in"):
        define(replace(PRODUCT, name=name))


def test_a_name_taken_by_an_archived_property_stays_taken() -> None:
    archived = defined()
    archived.archive(NOW)

    with pytest.raises(PropertyExists, match="an archived ticket property named 'product'"):
        define(taken=archived)


def test_an_account_holds_a_limited_number_of_custom_properties() -> None:
    with pytest.raises(InvalidProperty, match="at most 1000"):
        define_property("a1", PRODUCT, taken=None, custom_count=MAX_CUSTOM_PROPERTIES, now=NOW)


@pytest.mark.parametrize(
    ("type_", "field_type"),
    [
        (T.STRING, F.SELECT),
        (T.STRING, F.NUMBER),
        (T.NUMBER, F.TEXT),
        (T.ENUMERATION, F.TEXT),
        (T.ENUMERATION, F.BOOLEANCHECKBOX),
        (T.BOOL, F.CHECKBOX),
        (T.DATE, F.TEXT),
        (T.DATETIME, F.NUMBER),
    ],
)
def test_a_field_type_must_fit_the_type(type_: PropertyType, field_type: PropertyFieldType) -> None:
    error = refusal(replace(PRODUCT, type=type_, field_type=field_type, options=()))

    assert [(e.field, e.code) for e in error.errors] == [("fieldType", "invalid_field_type")]


@pytest.mark.parametrize(
    ("type_", "field_type"),
    [
        (T.STRING, F.TEXT),
        (T.STRING, F.TEXTAREA),
        (T.NUMBER, F.NUMBER),
        (T.DATE, F.DATE),
        (T.DATETIME, F.DATE),
    ],
)
def test_a_property_without_options_is_defined(
    type_: PropertyType, field_type: PropertyFieldType
) -> None:
    definition = define(replace(PRODUCT, type=type_, field_type=field_type, options=()))

    assert (definition.state.type, definition.state.options) == (type_, [])


def test_an_enumeration_needs_at_least_one_option() -> None:
    error = refusal(replace(PRODUCT, options=()))

    assert [(e.field, e.code) for e in error.errors] == [("options", "no_options")]


def test_option_values_are_unique() -> None:
    options = (NewOption("Widget", "widget"), NewOption("Widget again", "widget"))
    error = refusal(replace(PRODUCT, options=options))

    assert [(e.field, e.code) for e in error.errors] == [("options.1.value", "duplicate")]


@pytest.mark.parametrize(
    ("option", "field", "code"),
    [
        (NewOption("Widget", "   "), "options.0.value", "blank"),
        (NewOption("", "widget"), "options.0.label", "blank"),
        (NewOption("Widget", "a;b"), "options.0.value", "invalid_value"),
        (NewOption("Widget", "w" * 256), "options.0.value", "too_long"),
    ],
)
def test_a_bad_option_is_refused_naming_it(option: NewOption, field: str, code: str) -> None:
    error = refusal(replace(PRODUCT, options=(option,)))

    assert [(e.field, e.code) for e in error.errors] == [(field, code)]


def test_options_belong_to_enumeration_and_bool_properties_only() -> None:
    error = refusal(replace(PRODUCT, type=T.STRING, field_type=F.TEXT))

    assert [(e.field, e.code) for e in error.errors] == [("options", "options_not_allowed")]


def test_a_bool_property_gets_yes_and_no_options_unless_it_names_them() -> None:
    spec = replace(PRODUCT, type=T.BOOL, field_type=F.BOOLEANCHECKBOX, options=())
    labelled = (NewOption("Refund", "true"), NewOption("No refund", "false"))

    plain = define(spec).state.options
    custom = define(replace(spec, options=labelled)).state.options

    assert [(o.value, o.label) for o in plain] == [("true", "Yes"), ("false", "No")]
    assert [(o.value, o.label) for o in custom] == [("true", "Refund"), ("false", "No refund")]


def test_a_bool_property_holds_only_the_values_true_and_false() -> None:
    options = (NewOption("Yes", "yes"), NewOption("No", "no"))
    spec = replace(PRODUCT, type=T.BOOL, field_type=F.BOOLEANCHECKBOX, options=options)

    assert refusal(spec).errors[0].code == "invalid_bool_options"


def test_only_string_and_number_properties_require_unique_values() -> None:
    error = refusal(replace(PRODUCT, has_unique_value=True))
    unique = define(
        replace(PRODUCT, type=T.STRING, field_type=F.TEXT, options=(), has_unique_value=True)
    )

    assert error.errors[0].code == "invalid_unique_value"
    assert unique.state.has_unique_value


# -- changes ------------------------------------------------------------------------------


def test_a_change_raises_the_revision_and_records_the_new_definition() -> None:
    definition = defined()
    options = [NewOption("Widget", "widget"), NewOption("Gizmo", "gizmo", display_order=7)]

    definition.update(PropertyChanges(label="Product line", options=options), LATER)

    [event] = definition.events
    assert isinstance(event, TicketPropertyDefined)
    assert (event.revision, definition.revision) == (2, 2)
    assert definition.state.label == "Product line"
    assert [(o.value, o.display_order) for o in definition.state.options] == [
        ("widget", 0),
        ("gizmo", 7),
    ]
    assert (definition.state.created_at, definition.state.updated_at) == (NOW, LATER)


def test_a_change_keeps_what_it_does_not_name() -> None:
    definition = defined()
    before = definition.state

    definition.update(PropertyChanges(description="What the customer bought"), LATER)

    assert definition.state.options == before.options
    assert definition.state.field_type == before.field_type
    assert definition.state.description == "What the customer bought"


def test_switching_to_a_type_without_options_drops_them() -> None:
    definition = defined()

    definition.update(PropertyChanges(type=T.STRING, field_type=F.TEXT), LATER)

    assert (definition.state.type, definition.state.options) == (T.STRING, [])


def test_a_change_is_checked_like_a_new_definition_and_leaves_nothing_on_refusal() -> None:
    definition = defined()
    before = definition.state

    with pytest.raises(InvalidProperty, match="does not fit"):
        definition.update(PropertyChanges(field_type=F.TEXTAREA), LATER)
    with pytest.raises(InvalidProperty, match="at least one option"):
        definition.update(PropertyChanges(options=[]), LATER)

    assert (definition.state, definition.revision, definition.events) == (before, 1, [])


def test_archiving_records_the_last_definition_with_archived_true() -> None:
    definition = defined()

    definition.archive(LATER)

    [event] = definition.events
    assert isinstance(event, TicketPropertyArchived)
    assert event.revision == 2
    assert event.definition.archived
    assert event.definition.archived_at == LATER


@pytest.mark.parametrize("name", ["subject", "hs_ticket_priority", "createdate"])
def test_a_built_in_property_can_be_neither_changed_nor_archived(name: str) -> None:
    definition = built_in(name, NOW)
    assert definition is not None

    with pytest.raises(InvalidProperty, match="built-in") as changed:
        definition.update(PropertyChanges(label="Mine"), LATER)
    with pytest.raises(InvalidProperty, match="built-in"):
        definition.archive(LATER)

    assert changed.value.errors[0].code == "read_only_definition"
    assert definition.events == []


# -- built-ins ----------------------------------------------------------------------------


def test_every_account_has_hubspots_ticket_properties_from_its_opening() -> None:
    found = built_ins(NOW, "a1")

    assert [d.name for d in found] == [
        "subject",
        "content",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_priority",
        "hubspot_owner_id",
        "source_type",
        "hs_ticket_category",
        "createdate",
        "hs_lastmodifieddate",
        "closed_date",
        "time_to_close",
        "hs_is_closed",
    ]
    assert all(d.built_in and d.revision == 0 and d.account_id == "a1" for d in found)
    assert {d.state.created_at for d in found} == {NOW}


def test_computed_built_ins_have_read_only_values() -> None:
    computed = {d.name for d in built_ins(NOW) if d.read_only_value}

    assert computed == {
        "createdate",
        "hs_lastmodifieddate",
        "closed_date",
        "time_to_close",
        "hs_is_closed",
    }


def test_the_priority_and_source_built_ins_are_enumerations_with_their_values() -> None:
    priority, source = built_in("hs_ticket_priority", NOW), built_in("source_type", NOW)
    assert priority is not None
    assert source is not None

    assert [o.value for o in priority.state.options] == ["LOW", "MEDIUM", "HIGH", "URGENT"]
    assert [o.value for o in source.state.options] == [s.value for s in SourceType]
    assert priority.state.type is source.state.type is T.ENUMERATION


def test_an_unknown_name_is_no_built_in() -> None:
    assert built_in("product", NOW) is None
