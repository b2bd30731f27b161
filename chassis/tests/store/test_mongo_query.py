"""The port's filters and cursors as MongoDB query documents (pure functions, no server): every
equality is an `$eq` (None: `{f: None}`, null or missing), and nothing a client sends can stand
where an operator would be read."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow_chassis.store.cursors import decode_cursor
from ticketflow_chassis.store.mongo_query import after, to_filter
from ticketflow_chassis.store.port import (
    Eq,
    FilterValueError,
    In,
    InvalidCursorError,
    Range,
    SortKey,
)
from ticketflow_chassis.testing import HOSTILE_CURSORS


def test_an_equality_is_an_eq_so_a_value_is_never_read_as_operators() -> None:
    assert to_filter([Eq("status", "$where")]) == {"status": {"$eq": "$where"}}
    assert to_filter([Eq("id", "t1"), Eq("archived", False)]) == {
        "$and": [{"_id": {"$eq": "t1"}}, {"archived": {"$eq": False}}]
    }


def test_an_equality_with_none_matches_null_and_missing() -> None:
    assert to_filter([Eq("closed_at", None)]) == {"closed_at": None}


def test_in_and_range_pass_their_scalars_as_operands() -> None:
    assert to_filter([In("status", ("new", "$gt"))]) == {"status": {"$in": ["new", "$gt"]}}
    assert to_filter([Range("n", gte=1, lt="$x")]) == {"n": {"$gte": 1, "$lt": "$x"}}


def test_the_keyset_branches_hold_their_equal_parts_as_eq() -> None:
    query = after((SortKey("status"), SortKey("created_at")), ["open", "2026", "t5"])
    assert query == {
        "$or": [
            {"status": {"$gt": "open"}},
            {"$and": [{"status": {"$eq": "open"}}, {"created_at": {"$gt": "2026"}}]},
            {
                "$and": [
                    {"status": {"$eq": "open"}},
                    {"created_at": {"$eq": "2026"}},
                    {"_id": {"$gt": "t5"}},
                ]
            },
        ]
    }


@pytest.mark.parametrize(
    "value", [{"$gt": ""}, {"$ne": None}, ["a"], (), float("nan"), float("inf"), object()]
)
def test_a_filter_refuses_a_value_that_is_not_a_json_scalar(value: Any) -> None:
    for build in (
        lambda: Eq("status", value),
        lambda: In("status", ("new", value)),
        lambda: Range("created_at", gt=value),
        lambda: Range("created_at", lte=value),
    ):
        with pytest.raises(FilterValueError, match=r"'status'|'created_at'") as refused:
            build()
        assert isinstance(refused.value, ValueError)


def test_in_refuses_values_that_are_not_a_sequence_of_them() -> None:
    with pytest.raises(FilterValueError):
        In("status", "new")  # type: ignore[arg-type]  # a string is not a tuple of values


@pytest.mark.parametrize("cursor", list(HOSTILE_CURSORS.values()), ids=list(HOSTILE_CURSORS))
def test_a_forged_cursor_never_becomes_a_query(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        after((SortKey("created_at"),), decode_cursor(cursor, (SortKey("created_at"),)))
