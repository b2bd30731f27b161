"""Which queries a declared index serves: equality fields first, then sort, then ranges;
the sort read in the index's directions or all of them reversed, the id tie-break too."""

from __future__ import annotations

import pytest

from ticketflow_chassis.store.index_rule import ordering, served_by_index
from ticketflow_chassis.store.port import (
    Collection,
    Eq,
    Exists,
    Filter,
    In,
    Index,
    Range,
    SortKey,
)

TICKETS = Collection("tickets", (Index(("account_id", "pipeline_id", "created_at")),))


@pytest.mark.parametrize(
    ("filters", "sort"),
    [
        ((), ()),
        ((Eq("id", "t1"),), ()),
        ((Eq("account_id", "a"),), ()),
        ((Eq("pipeline_id", "p"), Eq("account_id", "a")), ()),
        ((Eq("account_id", "a"), In("pipeline_id", ("p", "q"))), ()),
        ((Eq("account_id", "a"), Eq("pipeline_id", "p")), (SortKey("created_at", True),)),
        ((Eq("account_id", "a"), Eq("pipeline_id", "p"), Range("created_at", gte="2026")), ()),
        ((Eq("account_id", "a"),), (SortKey("pipeline_id"),)),
        ((Eq("account_id", "a"), Exists("created_at")), (SortKey("pipeline_id"),)),
    ],
)
def test_a_query_the_index_reads_in_order_is_served(
    filters: tuple[Filter, ...], sort: tuple[SortKey, ...]
) -> None:
    assert served_by_index(TICKETS, filters, sort)


@pytest.mark.parametrize(
    ("filters", "sort"),
    [
        ((Eq("pipeline_id", "p"),), ()),
        ((Eq("subject", "x"),), ()),
        ((Eq("account_id", "a"),), (SortKey("created_at"),)),
        ((Eq("account_id", "a"), Eq("pipeline_id", "p")), (SortKey("subject"),)),
        ((Eq("account_id", "a"), Range("owner_id", gt="1")), ()),
        ((), (SortKey("created_at"),)),
    ],
)
def test_a_query_that_would_scan_or_sort_in_memory_is_not_served(
    filters: tuple[Filter, ...], sort: tuple[SortKey, ...]
) -> None:
    assert not served_by_index(TICKETS, filters, sort)


def test_the_id_tie_break_follows_the_direction_of_the_last_sort_key() -> None:
    assert ordering(()) == (SortKey("id"),)
    assert ordering((SortKey("a", True), SortKey("b"))) == (
        SortKey("a", True),
        SortKey("b"),
        SortKey("id"),
    )
    assert ordering((SortKey("a"), SortKey("b", True)))[-1] == SortKey("id", True)
    assert ordering((SortKey("id", True),)) == (SortKey("id", True),)


A_B = Index(("a", "b"))
A_DESC_B = Index(("a", "-b"))
DESC_A_B = Index(("-a", "b"))
MIXED = (SortKey("a"), SortKey("b", descending=True))


@pytest.mark.parametrize(
    ("index", "sort", "served"),
    [
        (A_B, (SortKey("a"), SortKey("b")), True),
        (A_B, (SortKey("a", True), SortKey("b", True)), True),  # read backwards
        (A_B, MIXED, False),
        (A_B, (SortKey("a", True), SortKey("b")), False),
        (A_DESC_B, MIXED, True),
        (A_DESC_B, (SortKey("a", True), SortKey("b")), True),
        (A_DESC_B, (SortKey("a"), SortKey("b")), False),
        (DESC_A_B, MIXED, True),
        (DESC_A_B, (SortKey("a", True), SortKey("b")), True),
        (DESC_A_B, (SortKey("a", True), SortKey("b", True)), False),
        # The index holds ties by id in b's direction: an explicit other id order is not it.
        (A_B, (SortKey("a"), SortKey("b"), SortKey("id", True)), False),
        (A_B, (SortKey("a", True), SortKey("b", True), SortKey("id", True)), True),
    ],
)
def test_a_sort_is_served_in_the_index_directions_or_all_of_them_reversed(
    index: Index, sort: tuple[SortKey, ...], served: bool
) -> None:
    assert served_by_index(Collection("c", (index,)), (), sort) is served


@pytest.mark.parametrize(
    "sort",
    [
        (SortKey("created_at"),),
        (SortKey("created_at", descending=True),),
        (SortKey("account_id", descending=True), SortKey("created_at")),
    ],
)
def test_equality_fields_directions_do_not_matter(sort: tuple[SortKey, ...]) -> None:
    collection = Collection("c", (Index(("-account_id", "created_at")),))
    assert served_by_index(collection, (Eq("account_id", "a"),), sort)


def test_a_sort_whose_last_key_is_held_equal_orders_ties_in_that_keys_direction() -> None:
    """(a, b) holds ties by id ascending; `b desc, a asc` with a fixed orders b desc, id asc:
    neither the index's order nor its reverse."""
    collection = Collection("c", (Index(("a", "b")),))
    fixed_a = (Eq("a", 1),)
    assert not served_by_index(collection, fixed_a, (SortKey("b", True), SortKey("a")))
    assert served_by_index(collection, fixed_a, (SortKey("b", True), SortKey("a", True)))


def test_a_unique_index_orders_no_ties_so_any_tie_break_direction_is_served() -> None:
    collection = Collection("c", (Index(("a", "b"), unique=True),))
    assert served_by_index(collection, (Eq("a", 1),), (SortKey("b", True),))


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        (("account_id", "customer.email"), "ix_account_id__customer_email"),
        (("account_id", "-created_at"), "ix_account_id__created_at_desc"),
    ],
)
def test_an_ascending_index_keeps_its_name_and_a_descending_field_is_named(
    fields: tuple[str, ...], name: str
) -> None:
    assert Index(fields).name == name


@pytest.mark.parametrize("fields", [(), ("-",), ("--a",), ("a", "-a")])
def test_an_index_needs_fields_each_named_once(fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="index fields"):
        Index(fields)
