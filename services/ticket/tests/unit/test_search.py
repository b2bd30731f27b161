"""Parsing HubSpot's search body: what is taken, and bad input named by its exact place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ticketflow_ticket.domain.search import (
    MAX_RESULTS,
    InvalidSearch,
    Operator,
    SearchRequest,
    Sort,
    Window,
    parse_moment,
    parse_search,
    search_window,
)


def places(body: dict[str, Any]) -> list[str | None]:
    with pytest.raises(InvalidSearch) as caught:
        parse_search(body)
    return [e.field for e in caught.value.errors]


def one_filter(**fields: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [fields]}]}


def test_an_empty_body_is_one_group_without_filters_ten_at_a_time() -> None:
    request = parse_search({})

    assert request.groups == ((),)
    assert (request.limit, request.after, request.sort, request.properties) == (
        10,
        None,
        None,
        None,
    )


def test_filters_sorts_properties_limit_and_after_are_read_as_hubspot_sends_them() -> None:
    request = parse_search(
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_pipeline", "operator": "EQ", "value": "default"},
                        {"propertyName": "hs_pipeline_stage", "operator": "IN", "values": [1, 2]},
                        {
                            "propertyName": "createdate",
                            "operator": "BETWEEN",
                            "value": "1700000000000",
                            "highValue": "2026-01-01T00:00:00Z",
                        },
                    ]
                }
            ],
            "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
            "properties": ["subject"],
            "limit": 200,
            "after": "abc",
        }
    )

    (group,) = request.groups
    assert [(c.property, c.operator, c.values) for c in group] == [
        ("hs_pipeline", Operator.EQ, ("default",)),
        ("hs_pipeline_stage", Operator.IN, ("1", "2")),
        ("createdate", Operator.BETWEEN, ("1700000000000", "2026-01-01T00:00:00Z")),
    ]
    assert group[1].place == "filterGroups.0.filters.1"
    assert request.sort == Sort("createdate", descending=True)
    assert (request.properties, request.limit, request.after) == (("subject",), 200, "abc")


@pytest.mark.parametrize("after", [0, "0", "", None])
def test_after_zero_as_in_hubspots_examples_asks_for_the_first_page(after: object) -> None:
    assert parse_search({"after": after}).after is None


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        (["hs_lastmodifieddate"], Sort("hs_lastmodifieddate")),
        (["-closed_date"], Sort("closed_date", True)),
    ],
)
def test_a_sort_may_be_a_property_name_as_the_sdk_types_it(
    sorts: list[str], expected: Sort
) -> None:
    assert parse_search({"sorts": sorts}).sort == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            one_filter(propertyName="hs_pipeline", operator="LIKE", value="x"),
            "filterGroups.0.filters.0.operator",
        ),
        (
            one_filter(propertyName="hs_pipeline", operator="CONTAINS_TOKEN", value="x"),
            "filterGroups.0.filters.0.operator",
        ),
        (
            one_filter(propertyName="subject", operator="EQ", value="x"),
            "filterGroups.0.filters.0.propertyName",
        ),
        (one_filter(propertyName="hs_pipeline", operator="EQ"), "filterGroups.0.filters.0.value"),
        (
            one_filter(propertyName="hs_pipeline", operator="IN", values=[]),
            "filterGroups.0.filters.0.values",
        ),
        (
            one_filter(propertyName="createdate", operator="BETWEEN", value="1"),
            "filterGroups.0.filters.0.highValue",
        ),
        (
            one_filter(propertyName="createdate", operator="GT", value="yesterday"),
            "filterGroups.0.filters.0.value",
        ),
        (
            one_filter(propertyName="createdate", operator="IN", values=["1"]),
            "filterGroups.0.filters.0.operator",
        ),
        (
            one_filter(propertyName="hs_ticket_priority", operator="GT", value="LOW"),
            "filterGroups.0.filters.0.operator",
        ),
        (
            one_filter(propertyName="hubspot_owner_id", operator="NEQ", value="7"),
            "filterGroups.0.filters.0.operator",
        ),
        (
            one_filter(propertyName="hs_is_closed", operator="EQ", value="maybe"),
            "filterGroups.0.filters.0.value",
        ),
        ({"filterGroups": [{"filters": "x"}]}, "filterGroups.0.filters"),
        ({"filterGroups": [{"filters": []}] * 6}, "filterGroups"),
        ({"filterGroups": [{"filters": [1]}]}, "filterGroups.0.filters.0"),
        ({"sorts": [{"propertyName": "subject"}]}, "sorts.0.propertyName"),
        ({"sorts": [{"propertyName": "createdate", "direction": "UP"}]}, "sorts.0.direction"),
        ({"sorts": ["createdate", "closed_date"]}, "sorts"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"after": ["x"]}, "after"),
        ({"query": "printer"}, "query"),
        ({"properties": "subject"}, "properties"),
    ],
)
def test_a_malformed_search_names_the_exact_place(body: dict[str, Any], expected: str) -> None:
    assert places(body) == [expected]


def test_every_problem_of_a_body_is_named_at_once() -> None:
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_pipeline", "operator": "EQ", "value": "p"}]},
            {
                "filters": [
                    {"propertyName": "hs_pipeline", "operator": "EQ", "value": "p"},
                    {"propertyName": "nope", "operator": "BOGUS"},
                ]
            },
        ],
        "limit": 500,
    }

    assert places(body) == [
        "filterGroups.1.filters.1.propertyName",
        "filterGroups.1.filters.1.operator",
        "limit",
    ]


def test_more_filters_than_hubspot_allows_in_a_group_are_refused() -> None:
    filters = [{"propertyName": "hs_pipeline", "operator": "EQ", "value": "p"}] * 7
    assert places({"filterGroups": [{"filters": filters}]}) == ["filterGroups.0.filters"]


def test_dates_are_epoch_milliseconds_or_iso_8601_in_utc() -> None:
    moment = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    assert parse_moment(str(int(moment.timestamp() * 1000))) == moment
    assert parse_moment("2026-11-25T12:00:00Z") == moment
    assert parse_moment("2026-11-25T12:00:00") == moment
    assert parse_moment("tomorrow") is None


# -- the 10,000-result window (HubSpot's cap) -----------------------------------------------


def window_of(after: str | None, limit: int = 10) -> Window:
    return search_window(SearchRequest(((),), limit=limit, after=after))


def test_the_first_page_starts_at_nothing_seen_and_counts_up_to_hubspots_cap() -> None:
    assert MAX_RESULTS == 10_000
    assert window_of(None, limit=200) == Window(0, None, 200, 10_000)


def test_the_next_after_carries_what_was_seen_and_the_stores_cursor() -> None:
    first = window_of(None, limit=2)

    after = first.next_after(2, "KEYSET")

    assert after == "2.KEYSET"
    assert window_of(after, limit=3) == Window(2, "KEYSET", 3, 10_000)
    assert first.next_after(1, None) is None


def test_the_page_that_reaches_the_cap_is_cut_there_and_has_no_next_page() -> None:
    window = window_of("9995.KEYSET", limit=10)

    assert window.limit == 5
    assert window.next_after(5, "MORE") is None
    assert window_of("9994.KEYSET", limit=1).next_after(1, "MORE") == "9995.MORE"


@pytest.mark.parametrize("after", ["10000.KEYSET", "12345.KEYSET", "10000", "999999999"])
def test_an_after_past_the_cap_is_refused_naming_after_as_hubspot_does(after: str) -> None:
    with pytest.raises(InvalidSearch) as caught:
        window_of(after)

    (error,) = caught.value.errors
    assert error.field == "after"
    assert "at most 10000 results" in error.message


@pytest.mark.parametrize("after", ["KEYSET", "9999", "-1.KEYSET", "x.KEYSET", "5.", "٣.KEYSET"])
def test_an_after_that_no_page_gave_is_refused_naming_after(after: str) -> None:
    with pytest.raises(InvalidSearch) as caught:
        window_of(after)

    assert [e.field for e in caught.value.errors] == ["after"]
    assert "previous page" in caught.value.errors[0].message
