"""A collection's table in the SQLite adapter: `(id, version, doc)` plus one column per field
that a declared index names (`"doc.status_id"`), holding the value the document has there.
Indexes are built on those columns, so that an update rewrites only the indexes whose
values changed (an index over `json_extract(doc, ...)` is rewritten by every change of
`doc`). `open` brings an existing file to the declared shape: missing columns are added
and filled from `doc`, an index whose definition changed is rebuilt, an index no longer
declared is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import aiosqlite

from ticketflow_chassis.store.port import (
    ID_FIELD,
    Collection,
    Document,
    Index,
    field_value,
)
from ticketflow_chassis.store.sqlite_connections import run
from ticketflow_chassis.store.sqlite_query import (
    checked_field,
    column,
    create_index_sql,
    index_name,
    parameter,
)


@cache  # on every write: a collection's declared indexes do not change
def indexed_fields(spec: Collection) -> tuple[str, ...]:
    """The fields that have a column: every field a declared index names, but `id`."""
    return tuple(sorted({f for i in spec.indexes for f in i.field_names} - {ID_FIELD}))


def column_value(document: Document, field_name: str) -> Any:
    """What a field's column holds: the value as a filter binds it (sqlite_query.parameter),
    NULL when the document lacks it."""
    return parameter(field_value(document, field_name))


def column_values(spec: Collection, document: Document) -> list[Any]:
    return [column_value(document, f) for f in indexed_fields(spec)]


async def migrate(connection: aiosqlite.Connection, spec: Collection) -> None:
    """Creates the table, or brings an existing one to `spec` (see the module's doc)."""
    fields = indexed_fields(spec)
    columns = "".join(f", {column(f)}" for f in fields)
    await run(
        connection,
        f'CREATE TABLE IF NOT EXISTS "{spec.name}" '
        f"(id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL{columns})",
    )
    present = {
        row[1] for row in await connection.execute_fetchall(f'PRAGMA table_info("{spec.name}")')
    }
    missing = [f for f in fields if column(f)[1:-1] not in present]
    for field_name in missing:
        await run(connection, f'ALTER TABLE "{spec.name}" ADD COLUMN {column(field_name)}')
    if missing:
        await run(
            connection,
            f'UPDATE "{spec.name}" SET '
            + ", ".join(
                f"{column(f)} = json_extract(doc, '$.{checked_field(f)}')" for f in missing
            ),
        )
    await _declare_indexes(connection, spec.name, spec.indexes)


async def _declare_indexes(
    connection: aiosqlite.Connection, table: str, indexes: Sequence[Index]
) -> None:
    wanted = {index_name(table, i): create_index_sql(table, i) for i in indexes}
    rows = await connection.execute_fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL",
        [table],
    )
    existing = {name: sql for name, sql in rows}
    for name, sql in existing.items():
        if wanted.get(name) != sql:
            await run(connection, f'DROP INDEX "{name}"')
    for name, sql in wanted.items():
        if existing.get(name) != sql:
            await run(connection, sql)
