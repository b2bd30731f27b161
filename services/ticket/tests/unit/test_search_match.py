"""Search filters matched against one ticket in memory (a bulk move's filter): each operator
on each kind of property, as search's index reads answer it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.search import parse_filter_groups
from ticketflow_ticket.domain.search_match import matches

from .builders import NOW

MS = timedelta(milliseconds=1)
NOW_MS = str(int(NOW.timestamp() * 1000))
LATER = NOW + timedelta(hours=1)


def ticket(
    *, priority: str | None = "HIGH", owner: str | None = None, closed: bool = False
) -> Ticket:
    values = {"hs_ticket_priority": priority, "hubspot_owner_id": owner}
    return Ticket(
        "t1",
        "a1",
        "support",
        "new",
        {k: v for k, v in values.items() if v is not None},
        created_at=NOW,
        updated_at=LATER,
        closed_at=LATER if closed else None,
    )


def where(name: str, operator: str, value: Any = None, **more: Any) -> Any:
    condition = {"propertyName": name, "operator": operator, **more}
    if value is not None:
        condition["value"] = value
    return parse_filter_groups([{"filters": [condition]}])


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (where("hs_ticket_priority", "EQ", "HIGH"), True),
        (where("hs_ticket_priority", "EQ", "LOW"), False),
        (where("hs_ticket_priority", "NEQ", "HIGH"), False),
        (where("hs_ticket_priority", "NEQ", "LOW"), True),
        (where("hs_ticket_priority", "IN", values=["LOW", "HIGH"]), True),
        (where("hs_ticket_priority", "IN", values=["LOW"]), False),
        (where("hs_ticket_priority", "NOT_IN", values=["LOW", "HIGH"]), False),
        (where("hs_ticket_priority", "NOT_IN", values=["LOW"]), True),
        (where("hs_ticket_priority", "HAS_PROPERTY"), True),
        (where("hs_ticket_priority", "NOT_HAS_PROPERTY"), False),
        (where("hs_pipeline", "EQ", "support"), True),
        (where("hs_pipeline", "NEQ", "support"), False),
        (where("hs_pipeline", "HAS_PROPERTY"), True),
        (where("hs_pipeline_stage", "IN", values=["new", "done"]), True),
        (where("hs_pipeline_stage", "NOT_IN", values=["new"]), False),
    ],
)
def test_equality_operators_compare_the_tickets_value(groups: Any, expected: bool) -> None:
    assert matches(ticket(), groups) is expected


def test_a_ticket_without_a_priority_is_not_high_so_the_negations_take_it() -> None:
    none = ticket(priority=None)

    assert matches(none, where("hs_ticket_priority", "NEQ", "HIGH"))
    assert matches(none, where("hs_ticket_priority", "NOT_IN", values=["HIGH", "LOW"]))
    assert matches(none, where("hs_ticket_priority", "NOT_HAS_PROPERTY"))
    assert not matches(none, where("hs_ticket_priority", "HAS_PROPERTY"))
    assert not matches(none, where("hs_ticket_priority", "IN", values=["HIGH"]))


def test_the_owner_takes_eq_in_and_unassigned() -> None:
    owned, unassigned = ticket(owner="42"), ticket()

    assert matches(owned, where("hubspot_owner_id", "EQ", 42))
    assert matches(owned, where("hubspot_owner_id", "IN", values=["7", "42"]))
    assert not matches(owned, where("hubspot_owner_id", "NOT_HAS_PROPERTY"))
    assert matches(unassigned, where("hubspot_owner_id", "NOT_HAS_PROPERTY"))
    assert not matches(unassigned, where("hubspot_owner_id", "EQ", "42"))


@pytest.mark.parametrize(
    ("operator", "value", "high", "expected"),
    [
        ("EQ", NOW_MS, None, True),
        ("EQ", str(int(NOW_MS) + 1), None, False),
        ("LT", NOW_MS, None, False),
        ("LT", str(int(NOW_MS) + 1), None, True),
        ("LTE", NOW_MS, None, True),
        ("LTE", str(int(NOW_MS) - 1), None, False),
        ("GT", NOW_MS, None, False),
        ("GT", str(int(NOW_MS) - 1), None, True),
        ("GTE", NOW_MS, None, True),
        ("GTE", "2026-11-25T12:00:00.001Z", None, False),
        ("BETWEEN", "2026-11-25T11:00:00Z", NOW_MS, True),
        ("BETWEEN", str(int(NOW_MS) + 1), "2026-11-26T00:00:00Z", False),
        ("HAS_PROPERTY", None, None, True),
        ("NOT_HAS_PROPERTY", None, None, False),
    ],
)
def test_date_operators_treat_a_millisecond_as_its_whole_span(
    operator: str, value: str | None, high: str | None, expected: bool
) -> None:
    more = {"highValue": high} if high is not None else {}

    assert matches(ticket(), where("createdate", operator, value, **more)) is expected


def test_modified_and_closed_dates_read_their_own_moments() -> None:
    closed, open_ = ticket(closed=True), ticket()
    after_creation = where("hs_lastmodifieddate", "GT", NOW_MS)
    closed_later = where("closed_date", "GTE", NOW_MS)

    assert matches(open_, after_creation)
    assert matches(closed, closed_later)
    assert not matches(open_, closed_later)  # no closed_date: no range takes it
    assert matches(open_, where("closed_date", "NOT_HAS_PROPERTY"))
    assert not matches(closed, where("closed_date", "NOT_HAS_PROPERTY"))


@pytest.mark.parametrize(
    ("operator", "value", "closed", "expected"),
    [
        ("EQ", "true", True, True),
        ("EQ", "true", False, False),
        ("EQ", False, False, True),
        ("NEQ", "true", False, True),
        ("NEQ", "false", False, False),
        ("NEQ", "FALSE", True, True),
    ],
)
def test_is_closed_follows_the_closed_date(
    operator: str, value: Any, closed: bool, expected: bool
) -> None:
    assert matches(ticket(closed=closed), where("hs_is_closed", operator, value)) is expected


def test_filters_of_a_group_are_anded_and_groups_ored() -> None:
    high = {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}
    low = {**high, "value": "LOW"}
    closed = {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"}

    assert not matches(ticket(), parse_filter_groups([{"filters": [high, closed]}]))
    assert matches(ticket(), parse_filter_groups([{"filters": [low]}, {"filters": [high]}]))
    assert matches(ticket(), parse_filter_groups([]))  # no filters: every ticket
    assert matches(ticket(), parse_filter_groups([{"filters": []}]))
