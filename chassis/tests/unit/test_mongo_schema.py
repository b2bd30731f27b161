"""What the MongoDB adapter builds for each declared index, and what it drops and creates
when it opens a database whose indexes an earlier declaration built (no server needed)."""

from __future__ import annotations

from typing import Any

from ticketflow_chassis.store.mongo_schema import IndexChanges, IndexSpec, index_changes, index_spec
from ticketflow_chassis.store.port import Index

BY_DATE = Index(("account_id", "created_at"))
NEWEST_FIRST = Index(("account_id", "-created_at"))
NUMBER = Index(("account_id", "number"), unique=True)


def listed(spec: IndexSpec, **extra: Any) -> dict[str, Any]:
    """An entry of list_indexes() as the server answers it (float directions are common)."""
    entry: dict[str, Any] = {"v": 2, "key": {k: float(d) for k, d in spec.keys}, "name": spec.name}
    if spec.unique:
        entry["unique"] = True
    return {**entry, **extra}


ID_INDEX = {"v": 2, "key": {"_id": 1}, "name": "_id_"}


def test_a_non_unique_index_ends_with_id_in_its_last_fields_direction() -> None:
    assert index_spec(BY_DATE) == IndexSpec(
        "ix_account_id__created_at", (("account_id", 1), ("created_at", 1), ("_id", 1))
    )
    assert index_spec(NEWEST_FIRST) == IndexSpec(
        "ix_account_id__created_at_desc", (("account_id", 1), ("created_at", -1), ("_id", -1))
    )
    assert index_spec(NUMBER) == IndexSpec(
        "ix_account_id__number", (("account_id", 1), ("number", 1)), unique=True
    )


def test_indexes_as_declared_are_left_alone() -> None:
    declared = [index_spec(BY_DATE), index_spec(NUMBER)]
    existing = [ID_INDEX, *(listed(s) for s in declared)]
    assert index_changes(existing, declared) == IndexChanges((), ())


def test_missing_indexes_are_created() -> None:
    declared = [index_spec(BY_DATE), index_spec(NUMBER)]
    assert index_changes([ID_INDEX], declared) == IndexChanges((), tuple(declared))


def test_an_index_whose_keys_changed_is_dropped_and_built_again() -> None:
    """An index built before directions existed, under the name a declaration now uses."""
    old = IndexSpec(
        "ix_account_id__created_at_desc", (("account_id", 1), ("created_at", -1), ("_id", 1))
    )
    new = index_spec(NEWEST_FIRST)
    assert index_changes([ID_INDEX, listed(old)], [new]) == IndexChanges((new.name,), (new,))


def test_an_index_whose_uniqueness_changed_is_dropped_and_built_again() -> None:
    loose = IndexSpec(NUMBER.name, index_spec(NUMBER).keys, unique=False)
    unique = index_spec(NUMBER)
    assert index_changes([listed(loose)], [unique]) == IndexChanges((unique.name,), (unique,))
    assert index_changes([listed(unique)], [loose]) == IndexChanges((unique.name,), (loose,))


def test_an_index_of_ours_no_longer_declared_is_dropped_and_others_are_kept() -> None:
    existing = [
        ID_INDEX,
        listed(index_spec(BY_DATE)),
        {"v": 2, "key": {"subject": "text"}, "name": "operators_subject_text"},
    ]
    assert index_changes(existing, [index_spec(NEWEST_FIRST)]) == IndexChanges(
        (BY_DATE.name,), (index_spec(NEWEST_FIRST),)
    )
