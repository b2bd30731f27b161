"""The index rule: a find or count runs only when one declared index serves it by reading in
order (equality fields first, then the sort fields in the index's directions or all reversed,
then range fields), and the order every adapter gives results in (the sort, then `id` in the
last sort key's direction)."""

from __future__ import annotations

from collections.abc import Sequence

from ticketflow_chassis.store.port import (
    ID_FIELD,
    Collection,
    Eq,
    Exists,
    Filter,
    In,
    Index,
    Range,
    SortKey,
    UnindexedQueryError,
)


def tie_break(sort: Sequence[SortKey]) -> SortKey:
    """`id` in the direction of the last sort key (ascending without one), so that one index
    read forwards or backwards gives the whole order: `created_at desc` orders ties `id desc`.
    A cursor holds the sort values, then the id for this key."""
    return SortKey(ID_FIELD, descending=bool(sort) and sort[-1].descending)


def ordering(sort: Sequence[SortKey]) -> tuple[SortKey, ...]:
    """The whole order of a query sorted by `sort`: its keys, then the tie-break."""
    if any(k.field == ID_FIELD for k in sort):
        return tuple(sort)
    return (*sort, tie_break(sort))


def served_by_index(
    collection: Collection, filters: Sequence[Filter], sort: Sequence[SortKey]
) -> bool:
    """True when one declared index can answer the query by reading it in order, forwards
    or backwards (the equality-sort-range rule): its first fields are the equality fields
    (any order, any direction), the sort fields follow in order, each in its direction in
    the index or each in the opposite one, the `id` tie-break too where the index orders
    ties; every range or exists field comes after them. A lookup by `id` alone is always
    served.

    (account_id, pipeline_id, created_at) serves Eq(account_id)+Eq(pipeline_id) sorted
    by created_at either way, but not Eq(account_id) sorted by created_at; (a, b) serves
    `a asc, b asc` and `a desc, b desc`, and `a asc, b desc` only when declared (a, -b) or
    (-a, b).
    """
    equality = {f.field for f in filters if isinstance(f, Eq | In)} - {ID_FIELD}
    ranges = {f.field for f in filters if isinstance(f, Range | Exists)} - equality - {ID_FIELD}
    whole = ordering(sort)
    whole = whole[: [k.field for k in whole].index(ID_FIELD) + 1]  # keys after id order nothing
    sort_keys = [k for k in whole[:-1] if k.field not in equality]
    if not equality and not ranges and not sort_keys:
        return True
    return any(
        _index_serves(_index_order(index), equality, [*sort_keys, whole[-1]], ranges)
        for index in collection.indexes
    )


def _index_order(index: Index) -> tuple[SortKey, ...]:
    """The order the index holds its entries in: a non-unique one ends with `id`, in the
    direction of its last field (what the SQLite and MongoDB adapters build)."""
    keys = index.keys
    if index.unique or ID_FIELD in index.field_names:
        return keys
    return (*keys, SortKey(ID_FIELD, keys[-1].descending))


def _index_serves(
    keys: tuple[SortKey, ...], equality: set[str], order: list[SortKey], ranges: set[str]
) -> bool:
    """`order` is the sort keys past the equality fields, then the `id` tie-break."""
    head, rest = keys[: len(equality)], keys[len(equality) :]
    if {k.field for k in head} != equality:
        return False
    sort_keys = order[:-1]
    if [k.field for k in rest[: len(sort_keys)]] != [k.field for k in sort_keys]:
        return False
    # Where the index orders ties by id right after the sort fields, that order counts too.
    then = rest[len(sort_keys) : len(sort_keys) + 1]
    walked = order if then and then[0].field == ID_FIELD else sort_keys
    reversed_or_not = {k.descending != i.descending for k, i in zip(walked, rest, strict=False)}
    return len(reversed_or_not) <= 1 and ranges <= {k.field for k in rest}


def require_index(
    collection: Collection, filters: Sequence[Filter], sort: Sequence[SortKey] = ()
) -> None:
    if not served_by_index(collection, filters, sort):
        fields = [f.field for f in filters] + [
            f"-{s.field}" if s.descending else s.field for s in sort
        ]
        raise UnindexedQueryError(
            f"no declared index of {collection.name!r} serves a query on {fields}"
        )
