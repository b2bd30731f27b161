"""The port's filters, sorts and paging cursors as MongoDB query documents, and the
mapping between port documents (`id`) and stored ones (`_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ticketflow_chassis.store.index_rule import ordering, tie_break
from ticketflow_chassis.store.port import (
    ID_FIELD,
    Document,
    Eq,
    Exists,
    Filter,
    In,
    SortKey,
)
from ticketflow_chassis.store.sqlite_query import checked_field

MONGO_ID = "_id"
ASCENDING, DESCENDING = 1, -1


def mongo_field(field_name: str) -> str:
    """`id` is `_id`; other names are checked, so no `$operator` can pass for a field."""
    return MONGO_ID if field_name == ID_FIELD else checked_field(field_name)


def to_stored(document: Document) -> dict[str, Any]:
    return {MONGO_ID: document[ID_FIELD], **{k: v for k, v in document.items() if k != ID_FIELD}}


def from_stored(stored: dict[str, Any]) -> Document:
    return {ID_FIELD: stored[MONGO_ID], **{k: v for k, v in stored.items() if k != MONGO_ID}}


def equal(name: str, value: Any) -> dict[str, Any]:
    """`{f: {"$eq": v}}`: a value is only ever compared with, never read as operators (the
    port also admits only scalars). None stays `{f: None}`, which matches null and missing
    alike: the port's one value for both."""
    return {name: None} if value is None else {name: {"$eq": value}}


def _condition(flt: Filter) -> dict[str, Any]:
    name = mongo_field(flt.field)
    if isinstance(flt, Eq):
        return equal(name, flt.value)
    if isinstance(flt, In):
        return {name: {"$in": list(flt.values)}}
    if isinstance(flt, Exists):
        return {name: {"$ne": None}} if flt.present else {name: None}
    bounds = {
        op: bound
        for op, bound in (("$gt", flt.gt), ("$gte", flt.gte), ("$lt", flt.lt), ("$lte", flt.lte))
        if bound is not None
    }
    # {f: {}} would be an equality with the empty document: no bounds means "has a value".
    return {name: bounds or {"$ne": None}}


def all_of(conditions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not conditions:
        return {}
    return dict(conditions[0]) if len(conditions) == 1 else {"$and": list(conditions)}


def to_filter(filters: Sequence[Filter]) -> dict[str, Any]:
    """The ANDed filters (kept apart in `$and`, so two filters on one field never merge)."""
    return all_of([_condition(f) for f in filters])


def direction(key: SortKey) -> int:
    return DESCENDING if key.descending else ASCENDING


def to_sort(sort: Sequence[SortKey]) -> list[tuple[str, int]]:
    """Missing and null sort first ascending, last descending; ties by `_id` in the last
    key's direction (port.ordering)."""
    return [(mongo_field(k.field), direction(k)) for k in ordering(sort)]


def _beyond(key: SortKey, last: Any) -> dict[str, Any] | None:
    name = mongo_field(key.field)
    if name == MONGO_ID:  # never null: the tie-break needs no null branch
        return {name: {"$lt" if key.descending else "$gt": last}}
    if not key.descending:
        return {name: {"$ne": None}} if last is None else {name: {"$gt": last}}
    if last is None:
        return None  # nothing sorts after null in descending order
    return {"$or": [{name: {"$lt": last}}, {name: None}]}


def after(sort: Sequence[SortKey], cursor: Sequence[Any]) -> dict[str, Any]:
    """Keyset paging: documents strictly after the cursor's (sort values..., id), as an
    `$or` of "equal on the first i keys, beyond on key i"."""
    keys = [*sort, tie_break(sort)]
    branches = []
    for i, key in enumerate(keys):
        beyond = _beyond(key, cursor[i])
        if beyond is None:
            continue
        same = [equal(mongo_field(k.field), v) for k, v in zip(keys[:i], cursor[:i], strict=True)]
        branches.append(all_of([*same, beyond]))
    return {"$or": branches}
