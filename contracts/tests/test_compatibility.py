"""The committed schema snapshot against the code, and the rules of `breaking_changes`."""

from __future__ import annotations

import importlib.util
import json
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel, Field

from contracts.scripts.compatibility import (
    breaking_changes,
    current_schemas,
    snapshot_breaking_changes,
)

SCHEMAS_DIR = Path(__file__).parents[1] / "schemas"
SNAPSHOT_SCRIPT = Path(__file__).parents[1] / "scripts" / "snapshot_schemas.py"
SNAPSHOT_FILES = sorted(SCHEMAS_DIR.glob("*.json"))


def changes(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    return breaking_changes(
        old.model_json_schema(mode="validation"), new.model_json_schema(mode="validation")
    )


# The committed snapshot


def test_the_snapshot_directory_is_not_empty() -> None:
    assert SNAPSHOT_FILES, (
        f"no snapshot in {SCHEMAS_DIR}: run python -m contracts.scripts.snapshot_schemas"
    )


@pytest.mark.parametrize("path", SNAPSHOT_FILES, ids=lambda path: path.name)
def test_the_code_is_compatible_with_the_committed_snapshot(path: Path) -> None:
    key = path.name.removesuffix(".json")
    snapshot = {key: json.loads(path.read_text(encoding="utf-8"))}
    found = snapshot_breaking_changes(snapshot, current_schemas()).get(key, [])
    assert not found, (
        f"{path} records a contract that the code now breaks:\n  "
        + "\n  ".join(found)
        + "\nConsumers may still read the old shape: publish a new version of the message "
        "instead of changing this one."
    )


def test_every_current_message_has_a_snapshot_file() -> None:
    missing = [key for key in current_schemas() if not (SCHEMAS_DIR / f"{key}.json").exists()]
    assert not missing, (
        f"no snapshot for {missing}: run python -m contracts.scripts.snapshot_schemas"
    )


def test_the_snapshot_records_compatible_changes_too() -> None:
    # Otherwise a field added and removed again between two snapshots would go unnoticed.
    stale = [
        key
        for key, schema in current_schemas().items()
        if (SCHEMAS_DIR / f"{key}.json").exists()
        and json.loads((SCHEMAS_DIR / f"{key}.json").read_text(encoding="utf-8")) != schema
    ]
    assert not stale, (
        f"the snapshot of {stale} is out of date: run python -m contracts.scripts.snapshot_schemas"
    )


def test_a_message_missing_from_the_code_is_breaking() -> None:
    snapshot = {"ticket.vanished.v1": {"type": "object"}}
    found = snapshot_breaking_changes(snapshot, {})
    assert found == {
        "ticket.vanished.v1": ["`ticket.vanished.v1` was removed; publish a new version instead"]
    }


# The snapshot script


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snapshot_schemas", SNAPSHOT_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_writes_one_sorted_file_per_contract(tmp_path: Path) -> None:
    script = load_script()
    assert script.main(["--dir", str(tmp_path)]) == 0
    envelope = (tmp_path / "envelope.json").read_text(encoding="utf-8")
    assert sorted(path.name.removesuffix(".json") for path in tmp_path.iterdir()) == sorted(
        current_schemas()
    )
    assert envelope == json.dumps(json.loads(envelope), indent=2, sort_keys=True) + "\n"


def test_the_script_refuses_a_breaking_change_unless_accepted(tmp_path: Path) -> None:
    script = load_script()
    script.main(["--dir", str(tmp_path)])
    recorded = tmp_path / "ticket.created.v1.json"
    schema = json.loads(recorded.read_text(encoding="utf-8"))
    schema["properties"]["priority"] = {"type": "string"}
    recorded.write_text(json.dumps(schema), encoding="utf-8")
    retired = tmp_path / "ticket.retired.v1.json"
    retired.write_text("{}", encoding="utf-8")

    assert script.main(["--dir", str(tmp_path)]) == 1
    assert "priority" in recorded.read_text(encoding="utf-8")
    assert retired.exists()

    assert script.main(["--dir", str(tmp_path), "--accept-breaking"]) == 0
    assert "priority" not in recorded.read_text(encoding="utf-8")
    assert not retired.exists()


# The rules, on small hand-written models


class Status(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class StatusWithPending(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    PENDING = "PENDING"


class OpenOnly(StrEnum):
    OPEN = "OPEN"


class Base(BaseModel):
    ticket_id: str
    subject: str | None = None


def test_identical_models_have_no_breaking_change() -> None:
    assert changes(Base, Base) == []


def test_a_removed_field_is_breaking() -> None:
    class Without(BaseModel):
        ticket_id: str

    assert changes(Base, Without) == ["`subject` was removed"]


def test_a_renamed_field_shows_as_removed() -> None:
    class Renamed(BaseModel):
        id: str
        subject: str | None = None

    assert changes(Base, Renamed) == ["`ticket_id` was removed", "`id` is a new required field"]


def test_a_changed_type_is_breaking() -> None:
    class Old(BaseModel):
        count: str

    class New(BaseModel):
        count: int

    assert changes(Old, New) == ["`count` changed type from string to integer"]


def test_a_changed_format_is_breaking() -> None:
    class Old(BaseModel):
        at: str

    class New(BaseModel):
        at: str = Field(json_schema_extra={"format": "date-time"})

    assert changes(Old, New) == ["`at` changed type from string to string (date-time)"]


def test_a_new_required_field_is_breaking() -> None:
    class New(Base):
        pipeline_id: str

    assert changes(Base, New) == ["`pipeline_id` is a new required field"]


def test_an_optional_field_made_required_is_breaking() -> None:
    class New(BaseModel):
        ticket_id: str
        subject: str | None

    assert changes(Base, New) == ["`subject` became required (it was optional)"]


def test_a_field_no_longer_nullable_is_breaking() -> None:
    class New(BaseModel):
        ticket_id: str
        subject: str = ""

    assert changes(Base, New) == ["`subject` no longer accepts null"]


def test_a_field_made_nullable_is_compatible() -> None:
    class New(BaseModel):
        ticket_id: str | None
        subject: str | None = None

    assert changes(Base, New) == []


def test_a_new_optional_field_is_compatible() -> None:
    class New(Base):
        owner_id: str | None = None
        tags: list[str] = Field(default_factory=list)

    assert changes(Base, New) == []


def test_a_removed_enum_value_is_breaking() -> None:
    class Old(BaseModel):
        status: Status

    class New(BaseModel):
        status: OpenOnly

    assert changes(Old, New) == ['`status` no longer accepts "CLOSED"']


def test_an_added_enum_value_is_compatible() -> None:
    class Old(BaseModel):
        status: Status

    class New(BaseModel):
        status: StatusWithPending

    assert changes(Old, New) == []


def test_a_type_change_inside_a_nested_model_is_breaking() -> None:
    class OldStage(BaseModel):
        display_order: int

    class NewStage(BaseModel):
        display_order: str

    class Old(BaseModel):
        stage: OldStage | None = None

    class New(BaseModel):
        stage: NewStage | None = None

    assert changes(Old, New) == ["`stage.display_order` changed type from integer to string"]


def test_a_list_item_type_change_is_breaking() -> None:
    class Old(BaseModel):
        tags: list[str]

    class New(BaseModel):
        tags: list[int]

    assert changes(Old, New) == ["`tags[]` changed type from string to integer"]


def test_a_field_removed_from_a_model_in_a_list_is_breaking() -> None:
    class OldStage(BaseModel):
        id: str
        label: str

    class NewStage(BaseModel):
        id: str

    class Old(BaseModel):
        stages: list[OldStage]

    class New(BaseModel):
        stages: list[NewStage]

    assert changes(Old, New) == ["`stages[].label` was removed"]


def test_a_dict_value_type_change_is_breaking() -> None:
    class Old(BaseModel):
        properties: dict[str, str | None]

    class New(BaseModel):
        properties: dict[str, int | None]

    assert changes(Old, New) == ["`properties.*` changed type from string | null to integer | null"]


def test_a_tightened_constraint_is_breaking_and_a_loosened_one_is_not() -> None:
    class Loose(BaseModel):
        name: str

    class Tight(BaseModel):
        name: str = Field(min_length=3)

    assert changes(Loose, Tight) == ["`name` gained the constraint minLength=3"]
    assert changes(Tight, Loose) == []


def test_refusing_unknown_fields_is_breaking() -> None:
    class Strict(Base, extra="forbid"):
        pass

    assert changes(Base, Strict) == ["The message no longer accepts additional properties"]


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)


class RenamedNode(BaseModel):
    label: str
    children: list[RenamedNode] = Field(default_factory=list)


def test_recursive_models_are_compared_without_looping() -> None:
    assert changes(Node, Node) == []
    assert changes(Node, RenamedNode) == ["`name` was removed", "`label` is a new required field"]
