"""Every contract's JSON Schema, and the rules telling a compatible change from a breaking one.

A development tool, not part of the published package: `snapshot_schemas.py` beside it writes
the snapshot, contracts/tests/test_compatibility.py compares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ticketflow_contracts.envelope import Envelope
from ticketflow_contracts.messages import Message
from ticketflow_contracts.registry import ALL_MESSAGES

Schema = dict[str, Any]

ENVELOPE_KEY = "envelope"

# Keys that describe a value without restricting it: a schema made only of these accepts anything.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT_CONSTRAINTS = ("pattern", "multipleOf")


def schema_key(cls: type[Message]) -> str:
    """`TicketCreated` -> `ticket.created.v1`: the snapshot file's name without `.json`."""
    return f"{cls.message_type()}.v{cls.version}"


def current_schemas() -> dict[str, Schema]:
    """The validation schema of the envelope (`envelope`) and of every class in `ALL_MESSAGES`."""
    schemas: dict[str, Schema] = {ENVELOPE_KEY: Envelope.model_json_schema(mode="validation")}
    for cls in ALL_MESSAGES:
        key = schema_key(cls)
        if key in schemas:
            raise ValueError(f"two classes in ALL_MESSAGES share the schema key {key!r}")
        schemas[key] = cls.model_json_schema(mode="validation")
    return schemas


def snapshot_breaking_changes(
    snapshot: Mapping[str, Schema], current: Mapping[str, Schema]
) -> dict[str, list[str]]:
    """The breaking changes from `snapshot` to `current`, by key; compatible keys are left out.

    A key in the snapshot that is no longer current is breaking in itself: consumers of
    that message would never receive it again.
    """
    found: dict[str, list[str]] = {}
    for key, old in sorted(snapshot.items()):
        if key not in current:
            found[key] = [f"`{key}` was removed; publish a new version instead"]
        elif changes := breaking_changes(old, current[key]):
            found[key] = changes
    return found


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every incompatible change from `old` to `new`, two schemas of one message, as sentences.

    Compatible means that old and new code can share the queues during a rolling deploy:
    a new reader accepts every message the old schema allowed, and every field an old
    reader knows is still sent. Breaking, therefore, at any depth (nested models through
    `$defs`, list items, dict values, the members of a union such as `str | None`):

    - a property removed (a rename shows as a removal plus an addition);
    - a type or `format` changed, or a union member dropped (`str | None` -> `str`);
    - an enum value removed: messages already written may carry it;
    - a new required property, or an optional property made required;
    - a constraint added or tightened (`min_length`, `ge`, `pattern`, ...);
    - additional properties refused where they were accepted.

    Compatible: a new optional property, a loosened or dropped constraint, a changed
    title, description or default, and widening, i.e. a new enum value or a new union
    member (`str` -> `str | None`). Widening is our deliberate choice: tolerant readers
    treat an unknown value as "other", and a consumer that validates an enum strictly
    must be deployed before any producer emits the new value.

    >>> breaking_changes({"properties": {"a": {"type": "string"}}}, {"properties": {}})
    ['`a` was removed']
    """
    return _Comparison(old, new).compare(old, new, "", frozenset())


@dataclass(frozen=True)
class _Branch:
    """One member of a union, with `$ref`s resolved; `ref` names the definition it came from."""

    schema: Schema
    ref: str | None


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self._old_root = old_root
        self._new_root = new_root

    def compare(self, old: Any, new: Any, path: str, seen: frozenset[tuple[str, str]]) -> list[str]:
        """Each old union member must live on in a new member of the same type, compatibly."""
        old_branches = _branches(old, self._old_root)
        new_branches = _branches(new, self._new_root)
        if any(_accepts_anything(branch.schema) for branch in new_branches):
            return []
        changes: list[str] = []
        lost: list[_Branch] = []
        for old_branch in old_branches:
            candidates = [
                new_branch
                for new_branch in new_branches
                if not _accepts_anything(old_branch.schema)
                and _kind(new_branch.schema) == _kind(old_branch.schema)
            ]
            if not candidates:
                lost.append(old_branch)
                continue
            trials = [self._compare_branch(old_branch, c, path, seen) for c in candidates]
            closest: list[str] = min(trials, key=len)
            changes.extend(closest)
        if lost:
            changes.insert(0, _type_change(path, lost, old_branches, new_branches))
        return changes

    def _compare_branch(
        self, old: _Branch, new: _Branch, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        if old.ref is not None and new.ref is not None:
            pair = (old.ref, new.ref)
            if pair in seen:  # a recursive model: this pair is being compared further up
                return []
            seen = seen | {pair}
        o, n = old.schema, new.schema
        changes = [*_enum_changes(o, n, path), *_constraint_changes(o, n, path)]
        if {"properties", "required", "additionalProperties"} & (o.keys() | n.keys()):
            changes.extend(self._object_changes(o, n, path, seen))
        if {"items", "prefixItems"} & (o.keys() | n.keys()):
            changes.extend(self._array_changes(o, n, path, seen))
        return changes

    def _object_changes(
        self, o: Schema, n: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        changes: list[str] = []
        old_properties: Schema = o.get("properties", {})
        new_properties: Schema = n.get("properties", {})
        for name, old_property in old_properties.items():
            sub = _join(path, name)
            if name not in new_properties:
                changes.append(_say(sub, "was removed"))
            else:
                changes.extend(self.compare(old_property, new_properties[name], sub, seen))
        old_required = set(o.get("required", []))
        for name in n.get("required", []):
            if name in old_required:
                continue
            if name in old_properties:
                changes.append(_say(_join(path, name), "became required (it was optional)"))
            else:
                changes.append(_say(_join(path, name), "is a new required field"))
        old_extra = o.get("additionalProperties", True)
        new_extra = n.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            changes.append(_say(path, "no longer accepts additional properties"))
        elif old_extra is not False:
            changes.extend(self.compare(old_extra, new_extra, _join(path, "*"), seen))
        return changes

    def _array_changes(
        self, o: Schema, n: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        changes: list[str] = []
        pairs = zip(o.get("prefixItems", []), n.get("prefixItems", []), strict=False)
        for index, (old_item, new_item) in enumerate(pairs):
            changes.extend(self.compare(old_item, new_item, f"{path}[{index}]", seen))
        if "items" in o or "items" in n:
            items = (o.get("items", True), n.get("items", True))
            changes.extend(self.compare(*items, f"{path}[]", seen))
        return changes


def _branches(node: Any, root: Schema) -> list[_Branch]:
    """The members of a union (`anyOf`/`oneOf`, flattened), or the node itself."""
    schema, ref = _resolve(node, root)
    if schema is None:
        return []
    members = schema.get("anyOf", schema.get("oneOf"))
    if members is None:
        return [_Branch(schema, ref)]
    return [branch for member in members for branch in _branches(member, root)]


def _resolve(node: Any, root: Schema) -> tuple[Schema | None, str | None]:
    """Follow `$ref`s (and single-member `allOf`s) to a schema; `None` for `false`."""
    ref: str | None = None
    followed: set[str] = set()
    while True:
        if node is True:
            return {}, ref
        if node is False:
            return None, ref
        if "$ref" in node:
            ref = node["$ref"]
            if ref in followed:
                raise ValueError(f"$ref {ref!r} refers to itself")
            followed.add(ref)
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**_pointer(root, ref), **siblings}
        elif isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            siblings = {key: value for key, value in node.items() if key != "allOf"}
            node = {**node["allOf"][0], **siblings}
        else:
            return node, ref


def _pointer(root: Schema, ref: str) -> Any:
    if not ref.startswith("#"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    target: Any = root
    for part in ref[1:].split("/")[1:]:
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def _accepts_anything(schema: Schema) -> bool:
    return schema.keys() <= _ANNOTATIONS


def _kind(schema: Schema) -> tuple[tuple[str, ...], str | None]:
    """What a value of this schema is in JSON and after parsing: its types and its `format`."""
    types = schema.get("type")
    if types is None:
        values = _enum(schema) or []
        types = sorted({_json_type(value) for value in values})
    elif isinstance(types, str):
        types = [types]
    return tuple(sorted(types)), schema.get("format")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def _enum(schema: Schema) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _enum_changes(o: Schema, n: Schema, path: str) -> list[str]:
    old_values, new_values = _enum(o), _enum(n)
    if new_values is None:
        return []
    if old_values is None:
        return [_say(path, f"is now restricted to {_values(new_values)}")]
    removed = [value for value in old_values if value not in new_values]
    return [_say(path, f"no longer accepts {_values(removed)}")] if removed else []


def _constraint_changes(o: Schema, n: Schema, path: str) -> list[str]:
    changes: list[str] = []
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT_CONSTRAINTS):
        if key not in n:
            continue
        if key not in o:
            changes.append(_say(path, f"gained the constraint {key}={n[key]!r}"))
            continue
        tightened = (
            (key in _LOWER_BOUNDS and n[key] > o[key])
            or (key in _UPPER_BOUNDS and n[key] < o[key])
            or (key in _EXACT_CONSTRAINTS and n[key] != o[key])
        )
        if tightened:
            changes.append(_say(path, f"changed {key} from {o[key]!r} to {n[key]!r}"))
    return changes


def _type_change(path: str, lost: list[_Branch], old: list[_Branch], new: list[_Branch]) -> str:
    if all(_kind(branch.schema) == (("null",), None) for branch in lost):
        return _say(path, "no longer accepts null")
    return _say(path, f"changed type from {_describe(old)} to {_describe(new)}")


def _describe(branches: list[_Branch]) -> str:
    if not branches:
        return "nothing"
    names: list[str] = []
    for branch in branches:
        if _accepts_anything(branch.schema):
            name = "any value"
        else:
            types, format_ = _kind(branch.schema)
            name = " | ".join(types) + (f" ({format_})" if format_ else "")
            if branch.ref is not None:
                name = f"{branch.ref.rsplit('/', 1)[-1]} ({name})"
        if name not in names:
            names.append(name)
    return " | ".join(names)


def _values(values: list[Any]) -> str:
    return ", ".join(json.dumps(value) for value in values)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _say(path: str, rest: str) -> str:
    return f"`{path}` {rest}" if path else f"The message {rest}"
