"""Status properties: the ordered list a status asks for, which properties may be on it, the
tier of `required`, the pipeline revision it raises, and archiving a listed property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import (
    PropertyFieldType,
    PropertyType,
    StatusProperty,
    Tier,
)
from ticketflow_pipeline.domain.errors import (
    FeatureNotInTier,
    InvalidProperty,
    PropertyInUse,
    StatusNotFound,
)
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.properties import PropertyDefinition, built_in, define_property
from ticketflow_pipeline.domain.property_specs import NewOption, PropertySpec
from ticketflow_pipeline.domain.status_properties import (
    MAX_STATUS_PROPERTIES,
    require_unlisted,
    set_status_properties,
    statuses_listing,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def support() -> Pipeline:
    pipeline = Pipeline.default_support_pipeline("a1", NOW)
    pipeline.events.clear()
    return pipeline


def custom(name: str) -> PropertyDefinition:
    spec = PropertySpec(
        name=name,
        label=name.title(),
        type=PropertyType.ENUMERATION,
        field_type=PropertyFieldType.SELECT,
        group_name="ticketinformation",
        options=(NewOption("Widget", "widget"),),
    )
    definition = define_property("a1", spec, taken=None, custom_count=0, now=NOW)
    definition.events.clear()
    return definition


def definitions(*names: str) -> dict[str, PropertyDefinition]:
    found: dict[str, PropertyDefinition] = {}
    for name in names:
        found[name] = built_in(name, NOW, "a1") or custom(name)
    return found


def props(*names: str, required: bool = False) -> list[StatusProperty]:
    return [StatusProperty(name=name, required=required) for name in names]


def test_a_status_takes_its_ordered_properties_and_the_pipeline_publishes_a_new_revision() -> None:
    pipeline = support()
    wanted = [
        StatusProperty(name="product", required=True),
        StatusProperty(name="subject"),
        StatusProperty(name="hs_ticket_priority", required=True),
    ]
    known = definitions("product", "subject", "hs_ticket_priority")

    updated = set_status_properties(pipeline, "2", wanted, known, Tier.PROFESSIONAL, LATER)

    assert updated.properties == wanted
    assert pipeline.status("2").properties == wanted
    assert pipeline.status("1").properties == []
    assert pipeline.revision == 2
    [event] = pipeline.events
    assert event.revision == 2
    assert [s.properties for s in event.pipeline.statuses if s.id == "2"] == [wanted]


def test_an_empty_list_clears_the_status() -> None:
    pipeline = support()
    set_status_properties(
        pipeline, "1", props("subject"), definitions("subject"), Tier.STARTER, NOW
    )

    set_status_properties(pipeline, "1", [], {}, Tier.STARTER, LATER)

    assert pipeline.status("1").properties == []


def refusal(
    wanted: list[StatusProperty], known: dict[str, PropertyDefinition], tier: Tier = Tier.ENTERPRISE
) -> InvalidProperty:
    pipeline = support()
    before = pipeline.state
    with pytest.raises(InvalidProperty) as caught:
        set_status_properties(pipeline, "1", wanted, known, tier, LATER)
    assert (pipeline.state, pipeline.revision, pipeline.events) == (before, 1, [])
    return caught.value


def test_an_unknown_property_is_refused_naming_its_place() -> None:
    error = refusal(props("subject", "nonexistent"), definitions("subject"))

    assert [(e.field, e.code) for e in error.errors] == [("properties.1.name", "unknown_property")]


def test_an_archived_property_is_as_unknown_as_a_missing_one() -> None:
    known = definitions("product")
    known["product"].archive(NOW)

    assert refusal(props("product"), known).errors[0].code == "unknown_property"


@pytest.mark.parametrize(
    "name",
    [
        "createdate",
        "hs_lastmodifieddate",
        "closed_date",
        "time_to_close",
        "hs_is_closed",
        "hs_pipeline",
        "hs_pipeline_stage",
    ],
)
def test_a_property_that_ticketflow_sets_cannot_be_asked_for(name: str) -> None:
    error = refusal(props(name), definitions(name))

    assert error.errors[0].code == "read_only_value"


def test_a_property_is_listed_once() -> None:
    error = refusal(props("subject", "content", "subject"), definitions("subject", "content"))

    assert [(e.field, e.code) for e in error.errors] == [("properties.2.name", "duplicate")]


def test_a_status_lists_at_most_fifty_properties() -> None:
    names = [f"field_{n}" for n in range(MAX_STATUS_PROPERTIES + 1)]

    error = refusal(props(*names), definitions(*names))

    assert [(e.field, e.code) for e in error.errors] == [("properties", "too_many")]


def test_fifty_properties_are_accepted() -> None:
    names = [f"field_{n}" for n in range(MAX_STATUS_PROPERTIES)]
    pipeline = support()

    set_status_properties(pipeline, "1", props(*names), definitions(*names), Tier.STARTER, NOW)

    assert len(pipeline.status("1").properties) == MAX_STATUS_PROPERTIES


def test_required_properties_need_professional_or_enterprise() -> None:
    pipeline = support()
    required = props("subject", required=True)

    with pytest.raises(FeatureNotInTier) as caught:
        set_status_properties(pipeline, "1", required, definitions("subject"), Tier.STARTER, NOW)

    assert caught.value.message == (
        "Required status properties are available on Professional and Enterprise; "
        "this account is on starter"
    )
    assert (pipeline.revision, pipeline.events) == (1, [])


def test_optional_properties_are_on_starter_and_up() -> None:
    pipeline = support()

    set_status_properties(
        pipeline, "1", props("subject"), definitions("subject"), Tier.STARTER, NOW
    )

    assert pipeline.status("1").properties == props("subject")


def test_a_free_account_keeps_its_statuses_without_properties() -> None:
    pipeline = support()

    with pytest.raises(FeatureNotInTier) as caught:
        set_status_properties(
            pipeline, "1", props("subject"), definitions("subject"), Tier.FREE, NOW
        )

    assert caught.value.message == (
        "Custom ticket statuses are available on Starter, Professional and Enterprise; "
        "this account is on free"
    )
    assert (pipeline.revision, pipeline.events) == (1, [])


def test_an_unknown_status_is_not_found() -> None:
    with pytest.raises(StatusNotFound):
        set_status_properties(support(), "99", [], {}, Tier.STARTER, NOW)


def test_a_listed_property_cannot_be_archived_and_the_refusal_names_each_status() -> None:
    pipeline = support()
    known = definitions("product", "subject")
    set_status_properties(pipeline, "1", props("product", "subject"), known, Tier.STARTER, NOW)
    set_status_properties(pipeline, "3", props("product"), known, Tier.STARTER, NOW)

    with pytest.raises(PropertyInUse) as caught:
        require_unlisted([pipeline], "product")

    assert caught.value.message == (
        "ticket property 'product' is listed by status 'New' (1) of pipeline "
        "'Support pipeline' (default); status 'Waiting on us' (3) of pipeline "
        "'Support pipeline' (default); remove it from those statuses before archiving it"
    )
    require_unlisted([pipeline], "content")


def test_a_deleted_pipeline_does_not_hold_a_property() -> None:
    pipeline = support()
    set_status_properties(
        pipeline, "1", props("product"), definitions("product"), Tier.STARTER, NOW
    )
    pipeline.state = pipeline.state.model_copy(update={"archived": True})

    assert statuses_listing([pipeline], "product") == []
