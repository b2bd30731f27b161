"""Planning a search: one branch per combination of equality values over the pipelines the
requester may see, negative operators as the other known values, dates as millisecond spans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketflow_ticket.domain.search import InvalidSearch, Sort, parse_search
from ticketflow_ticket.domain.search_plan import DateRange, plan

PIPELINES = {"p1": ["new", "waiting", "done"], "p2": ["1", "2"]}
MS = timedelta(milliseconds=1)


def f(name: str, operator: str, value: Any = None, **more: Any) -> dict[str, Any]:
    return {"propertyName": name, "operator": operator, "value": value, **more}


def planned(*groups: list[dict[str, Any]], **body: Any) -> list[tuple[Any, ...]]:
    request = parse_search({"filterGroups": [{"filters": g} for g in groups], **body})
    return [(b.group, b.equal, b.ranges) for b in plan(request, PIPELINES).branches]


def test_without_filters_each_visible_pipeline_is_a_branch_sorted_by_creation() -> None:
    request = parse_search({})

    result = plan(request, PIPELINES)

    assert [b.equal for b in result.branches] == [
        (("hs_pipeline", "p1"),),
        (("hs_pipeline", "p2"),),
    ]
    assert result.sort == Sort("createdate")


def test_an_invisible_pipeline_yields_no_branch() -> None:
    assert planned([f("hs_pipeline", "EQ", "secret")]) == []


def test_statuses_in_a_list_become_one_branch_each_within_their_pipeline() -> None:
    branches = planned([f("hs_pipeline_stage", "IN", values=["waiting", "2"])])

    assert [b[1] for b in branches] == [
        (("hs_pipeline", "p1"), ("hs_pipeline_stage", "waiting")),
        (("hs_pipeline", "p2"), ("hs_pipeline_stage", "2")),
    ]


def test_neq_on_a_status_becomes_the_other_statuses_of_the_pipeline() -> None:
    branches = planned([f("hs_pipeline", "EQ", "p1"), f("hs_pipeline_stage", "NEQ", "done")])

    assert [b[1][1] for b in branches] == [
        ("hs_pipeline_stage", "new"),
        ("hs_pipeline_stage", "waiting"),
    ]


def test_not_in_on_pipelines_and_neq_on_priority_take_the_other_known_values() -> None:
    branches = planned(
        [f("hs_pipeline", "NOT_IN", values=["p1"]), f("hs_ticket_priority", "NEQ", "HIGH")]
    )

    assert [b[1] for b in branches] == [
        (("hs_pipeline", "p2"), ("hs_ticket_priority", v))
        for v in (None, "LOW", "MEDIUM", "URGENT")
    ]


def test_unassigned_tickets_are_an_equality_on_no_owner() -> None:
    branches = planned([f("hubspot_owner_id", "NOT_HAS_PROPERTY")])

    assert [b[1][1] for b in branches] == [("hubspot_owner_id", None)] * 2


def test_open_tickets_have_no_closed_date_and_closed_ones_are_sorted_by_it() -> None:
    open_ = planned([f("hs_is_closed", "EQ", "false")])
    request = parse_search({"filterGroups": [{"filters": [f("hs_is_closed", "EQ", True)]}]})
    closed = plan(request, PIPELINES)

    assert open_[0][1] == (("hs_pipeline", "p1"), ("closed_date", None))
    assert closed.branches[0].ranges == (DateRange("closed_date"),)
    assert closed.sort == Sort("closed_date")


def test_a_date_is_a_millisecond_span_and_the_only_ranged_date_sorts_by_default() -> None:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    millis = str(int(at.timestamp() * 1000))
    cases = {
        "EQ": DateRange("hs_lastmodifieddate", at, at + MS),
        "LT": DateRange("hs_lastmodifieddate", None, at),
        "LTE": DateRange("hs_lastmodifieddate", None, at + MS),
        "GT": DateRange("hs_lastmodifieddate", at + MS, None),
        "GTE": DateRange("hs_lastmodifieddate", at, None),
    }
    for operator, expected in cases.items():
        request = parse_search(
            {"filterGroups": [{"filters": [f("hs_lastmodifieddate", operator, millis)]}]}
        )
        result = plan(request, {"p1": []})
        assert result.branches[0].ranges == (expected,), operator
        assert result.sort == Sort("hs_lastmodifieddate")


def test_between_includes_both_ends_and_an_empty_range_matches_nothing() -> None:
    between = planned(
        [f("createdate", "BETWEEN", "2026-01-01T00:00:00Z", highValue="2026-01-02T00:00:00Z")]
    )
    empty = planned(
        [
            f("createdate", "GT", "2026-01-02T00:00:00Z"),
            f("createdate", "LT", "2026-01-01T00:00:00Z"),
        ]
    )

    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert between[0][2] == (DateRange("createdate", start, end + MS),)
    assert empty == []


def test_contradictory_open_and_closed_filters_match_nothing() -> None:
    assert planned([f("hs_is_closed", "EQ", "true"), f("hs_is_closed", "NEQ", "true")]) == []


def test_groups_are_planned_apart_and_keep_their_number() -> None:
    branches = planned([f("hs_pipeline", "EQ", "p1")], [f("hs_pipeline", "EQ", "p2")])

    assert [(b[0], b[1]) for b in branches] == [
        (0, (("hs_pipeline", "p1"),)),
        (1, (("hs_pipeline", "p2"),)),
    ]


def test_too_many_combinations_are_refused_before_anything_is_read() -> None:
    owners = [str(i) for i in range(60)]
    with pytest.raises(InvalidSearch) as caught:
        planned([f("hubspot_owner_id", "IN", values=owners)])

    assert caught.value.errors[0].field == "filterGroups"


def test_a_viewer_of_every_pipeline_needs_no_pipeline_equality_unless_the_group_names_one() -> None:
    request = parse_search(
        {
            "filterGroups": [
                {"filters": [f("hubspot_owner_id", "EQ", "7")]},
                {"filters": [f("hs_pipeline_stage", "EQ", "2")]},
            ]
        }
    )

    branches = plan(request, PIPELINES, every_pipeline=True).branches

    assert [(b.group, b.equal) for b in branches] == [
        (0, (("hubspot_owner_id", "7"),)),
        (1, (("hs_pipeline", "p2"), ("hs_pipeline_stage", "2"))),
    ]
