"""Which queries a declared index serves: equality fields first, then sort, then ranges."""

from __future__ import annotations

import pytest

from ticketflow_chassis.store.port import (
    Collection,
    Eq,
    Exists,
    Filter,
    In,
    Index,
    Range,
    SortKey,
    served_by_index,
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
