"""A collection's indexes in the MongoDB adapter: each declared index as a key spec (its
directions, then `_id` in the last field's direction), and what `open` does to bring a
database built by an earlier declaration to the declared one: an `ix_*` index whose keys or
uniqueness changed is dropped and built again, one no longer declared is dropped (as
sqlite_schema does), so that a changed declaration never stops a service from starting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from ticketflow_chassis.store.mongo_query import MONGO_ID, direction, mongo_field
from ticketflow_chassis.store.port import ID_FIELD, Collection, Index

OURS = "ix_"  # the prefix of every index this adapter builds; others are left alone
_INDEX_NOT_FOUND = 27  # MongoDB's IndexNotFound: another instance dropped it first


@dataclass(frozen=True)
class IndexSpec:
    """An index as MongoDB describes it: name, key spec in order, uniqueness."""

    name: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False


@dataclass(frozen=True)
class IndexChanges:
    drop: tuple[str, ...]
    create: tuple[IndexSpec, ...]


def index_spec(index: Index) -> IndexSpec:
    """`Index(("account_id", "-created_at"))` is `{account_id: 1, created_at: -1, _id: -1}`:
    a non-unique index ends with `_id` in its last field's direction (port.tie_break)."""
    keys = [(mongo_field(k.field), direction(k)) for k in index.keys]
    if not index.unique and ID_FIELD not in index.field_names:
        keys.append((MONGO_ID, keys[-1][1]))
    return IndexSpec(index.name, tuple(keys), index.unique)


def _existing(info: Mapping[str, Any]) -> IndexSpec:
    """One entry of `list_indexes()`; key values may come back as floats (1.0) or text."""
    keys = tuple(
        (str(name), int(value) if isinstance(value, int | float) else value)
        for name, value in dict(info["key"]).items()
    )
    return IndexSpec(str(info["name"]), keys, bool(info.get("unique", False)))


def index_changes(
    existing: Iterable[Mapping[str, Any]], declared: Sequence[IndexSpec]
) -> IndexChanges:
    """What to drop and what to create so that the `ix_*` indexes of a collection are exactly
    `declared`; `existing` is what `list_indexes()` answered. An index that differs only in
    options this adapter never sets (collation, partial filter) is not seen as changed."""
    wanted = {spec.name: spec for spec in declared}
    found = {spec.name: spec for spec in map(_existing, existing)}
    drop = tuple(
        name for name, spec in found.items() if name.startswith(OURS) and wanted.get(name) != spec
    )
    create = tuple(spec for name, spec in wanted.items() if found.get(name) != spec)
    return IndexChanges(drop, create)


async def declare_indexes(target: AsyncCollection[Any], spec: Collection) -> None:
    """Brings the collection's indexes to `spec` (see the module's doc). Several instances may
    open at once: an index another one dropped first is no error, and creating an index that
    exists with the same keys is a no-op."""
    existing = await (await target.list_indexes()).to_list()
    changes = index_changes(existing, [index_spec(i) for i in spec.indexes])
    for name in changes.drop:
        try:
            await target.drop_index(name)
        except OperationFailure as exc:
            if exc.code != _INDEX_NOT_FOUND:
                raise
    for index in changes.create:
        await target.create_index(list(index.keys), name=index.name, unique=index.unique)
