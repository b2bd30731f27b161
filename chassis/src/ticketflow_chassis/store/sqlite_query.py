"""The port's filters, sorts, paging cursors and unique-missing-value guards as SQLite SQL,
written over the columns the declared indexes are built on (sqlite_schema.py: one column per
indexed field), so that SQLite's planner uses those indexes. A query names only indexed
fields (`port.require_index`). Names are checked here: they end up in the SQL text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ticketflow_chassis.store.index_rule import ordering, tie_break
from ticketflow_chassis.store.port import (
    ID_FIELD,
    Collection,
    Document,
    Eq,
    Exists,
    Filter,
    In,
    Index,
    SortKey,
    field_value,
)

COLLECTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# One identifier per dotted segment: "a.b" addresses {"a": {"b": ...}} in every adapter.
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def checked_collection(name: str) -> str:
    """The name itself, once it is known to be safe as a table name."""
    if not COLLECTION_NAME.match(name) or name.startswith("sqlite_"):
        raise ValueError(f"invalid collection name {name!r}: expected ^[a-z][a-z0-9_]*$")
    return name


def checked_field(name: str) -> str:
    if not FIELD_NAME.match(name):
        raise ValueError(f"invalid field name {name!r}: expected dotted identifiers like 'a.b'")
    return name


def column(field_name: str) -> str:
    """The quoted column of an indexed field: `"doc.status_id"`; `id` is the primary key."""
    if field_name == ID_FIELD:
        return "id"
    return f'"doc.{checked_field(field_name)}"'


def index_name(collection: str, index: Index) -> str:
    """SQLite index names are global to the database file, so they carry the table's."""
    return f"{collection}__{index.name}"


def _indexed(field_name: str, descending: bool) -> str:
    # An ascending column is written without ASC: the text of indexes built before indexes
    # had directions, which `open` compares to decide on a rebuild.
    return column(field_name) + (" DESC" if descending else "")


def create_index_sql(collection: str, index: Index) -> str:
    columns = [_indexed(k.field, k.descending) for k in index.keys]
    if not index.unique and ID_FIELD not in index.field_names:
        # Ties are ordered by id in the last field's direction: the index then serves the
        # whole ORDER BY (port.ordering), forwards or backwards.
        columns.append(_indexed(ID_FIELD, index.keys[-1].descending))
    unique = "UNIQUE " if index.unique else ""
    return (
        f'CREATE {unique}INDEX "{index_name(collection, index)}" '
        f'ON "{collection}" ({", ".join(columns)})'
    )


def parameter(value: Any) -> Any:
    """A filter, cursor or column value as a bound parameter: booleans bind as 1/0 (what
    json_extract returns for true/false); objects and arrays as compact JSON text."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise TypeError(f"cannot query a document store with a {type(value).__name__} value")


@dataclass
class Clause:
    """SQL text with `?` placeholders and its parameters, in order."""

    sql: str
    params: list[Any] = field(default_factory=list)


def _condition(flt: Filter) -> Clause:
    expr = column(flt.field)
    if isinstance(flt, Eq):
        if flt.value is None:
            return Clause(f"{expr} IS NULL")
        return Clause(f"{expr} = ?", [parameter(flt.value)])
    if isinstance(flt, In):
        values = [parameter(v) for v in flt.values if v is not None]
        parts = [f"{expr} IN ({', '.join('?' * len(values))})"] if values else []
        if len(values) < len(flt.values):
            parts.append(f"{expr} IS NULL")
        return Clause(f"({' OR '.join(parts)})" if parts else "0", values)
    if isinstance(flt, Exists):
        return Clause(f"{expr} IS NOT NULL" if flt.present else f"{expr} IS NULL")
    bounds = [(">", flt.gt), (">=", flt.gte), ("<", flt.lt), ("<=", flt.lte)]
    parts = [f"{expr} {op} ?" for op, bound in bounds if bound is not None]
    params = [parameter(bound) for _, bound in bounds if bound is not None]
    # Without bounds a Range means "has a value": SQL comparisons already skip NULL.
    return Clause(" AND ".join(parts) if parts else f"{expr} IS NOT NULL", params)


def where(filters: Sequence[Filter]) -> Clause:
    """The ANDed filters; `1` when there are none."""
    clauses = [_condition(f) for f in filters]
    if not clauses:
        return Clause("1")
    return Clause(" AND ".join(c.sql for c in clauses), [p for c in clauses for p in c.params])


def order_by(sort: Sequence[SortKey], filters: Sequence[Filter] = ()) -> str:
    """NULL sorts first ascending and last descending, as in MongoDB and the memory store.
    A key held equal by a filter is left out: it orders nothing, and SQLite would sort in
    a temporary b-tree instead of reading the index in order."""
    fixed = {f.field for f in filters if isinstance(f, Eq)} - {ID_FIELD}
    return ", ".join(
        f"{column(k.field)} {'DESC' if k.descending else 'ASC'}"
        for k in ordering(sort)
        if k.field not in fixed
    )


def _beyond(key: SortKey, last: Any) -> Clause | None:
    """Values that come after `last` in the key's direction; None when nothing can."""
    expr = column(key.field)
    if key.field == ID_FIELD:  # the primary key is never NULL: no null branch
        return Clause(f"{expr} {'<' if key.descending else '>'} ?", [parameter(last)])
    if not key.descending:
        if last is None:
            return Clause(f"{expr} IS NOT NULL")
        return Clause(f"{expr} > ?", [parameter(last)])
    if last is None:
        return None
    return Clause(f"({expr} < ? OR {expr} IS NULL)", [parameter(last)])


def after(sort: Sequence[SortKey], cursor: Sequence[Any]) -> Clause:
    """Keyset paging: rows strictly after the cursor's (sort values..., id) in the order of
    `order_by(sort)`, as an OR of "equal on the first i keys, beyond on key i"."""
    branches: list[Clause] = []
    keys = [*sort, tie_break(sort)]
    for i, key in enumerate(keys):
        beyond = _beyond(key, cursor[i])
        if beyond is None:
            continue
        equal = [
            Clause(f"{column(k.field)} IS ?", [parameter(v)])
            for k, v in zip(keys[:i], cursor[:i], strict=True)
        ]
        parts = [*equal, beyond]
        branches.append(
            Clause(" AND ".join(p.sql for p in parts), [x for p in parts for x in p.params])
        )
    return Clause(
        "(" + " OR ".join(f"({b.sql})" for b in branches) + ")",
        [p for b in branches for p in b.params],
    )


def missing_values_guards(spec: Collection, document: Document) -> list[tuple[Index, Clause]]:
    """SQLite lets NULLs repeat in a unique index; the port (like MongoDB) does not. For each
    unique index on which `document` lacks a value: a condition that no other document
    lacks the same values. Usually there is none, and a write costs no extra lookup."""
    guards: list[tuple[Index, Clause]] = []
    for index in spec.indexes:
        values = [field_value(document, f) for f in index.field_names]
        if not index.unique or all(v is not None for v in values):
            continue
        same = " AND ".join(f"{column(f)} IS ?" for f in index.field_names)
        guards.append(
            (
                index,
                Clause(
                    f'NOT EXISTS (SELECT 1 FROM "{spec.name}" WHERE {same} AND id <> ?)',
                    [*(parameter(v) for v in values), document[ID_FIELD]],
                ),
            )
        )
    return guards
