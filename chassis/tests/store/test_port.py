"""The port's declarations checked before any adapter does I/O: one JSON type per indexed field
(declared, known, and only for indexed fields), and a document's values against them."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow_chassis.store.port import (
    Collection,
    FieldTypeError,
    Index,
    check_field_types,
    json_type,
    require_field_types,
)

THINGS = Collection(
    "things",
    (Index(("account_id", "rank")), Index(("id", "meta.flag"))),
    field_types={"account_id": "string", "rank": "number", "meta.flag": "boolean"},
)


def test_a_collection_whose_indexed_fields_all_have_a_type_is_accepted() -> None:
    require_field_types(THINGS)
    require_field_types(Collection("plain"))
    assert hash(THINGS) == hash(Collection(THINGS.name, THINGS.indexes))


def test_a_descending_field_takes_its_type_under_its_own_name() -> None:
    newest_first = Collection(
        "things", (Index(("account_id", "-rank")),), {"account_id": "string", "rank": "number"}
    )
    require_field_types(newest_first)
    with pytest.raises(FieldTypeError):
        check_field_types(newest_first, {"id": "t1", "account_id": "a1", "rank": "high"})


@pytest.mark.parametrize(
    ("field_types", "message"),
    [
        ({"account_id": "string"}, r"'things': the indexed field 'rank' has no declared type"),
        ({"account_id": "string", "rank": "integer"}, r"'rank' is 'integer'"),
        ({"account_id": "string", "rank": "number", "note": "string"}, r"'note', which no index"),
    ],
)
def test_a_missing_unknown_or_stray_type_is_refused_naming_collection_and_field(
    field_types: dict[str, Any], message: str
) -> None:
    spec = Collection("things", (Index(("account_id", "rank")),), field_types=field_types)
    with pytest.raises(ValueError, match=message):
        require_field_types(spec)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (0, "number"),
        (1.5, "number"),
        ("", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_json_types_keep_booleans_apart_from_numbers(value: Any, kind: str) -> None:
    assert json_type(value) == kind


def test_a_document_is_checked_against_the_declared_types() -> None:
    check_field_types(THINGS, {"id": "t1", "account_id": "a", "rank": 2.5, "meta": {"flag": True}})
    check_field_types(THINGS, {"id": "t1", "account_id": None, "meta": "not an object"})
    with pytest.raises(FieldTypeError) as refused:
        check_field_types(THINGS, {"id": "t1", "account_id": "a", "rank": True})
    error = refused.value
    assert (error.collection, error.doc_id, error.field) == ("things", "t1", "rank")
    assert (error.expected, error.actual) == ("number", "boolean")
    assert str(error) == "things/t1: the indexed field 'rank' holds number values, not boolean"
