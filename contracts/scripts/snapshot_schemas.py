"""Regenerate the committed JSON-Schema snapshot in `contracts/schemas/`; refuses breaking changes.

Use, from the repository root: `.venv/bin/python -m contracts.scripts.snapshot_schemas
[--accept-breaking]`
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from contracts.scripts.compatibility import Schema, current_schemas, snapshot_breaking_changes

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"


def render(schema: Schema) -> str:
    """The snapshot file's text: pretty-printed, sorted keys, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_snapshot(directory: Path) -> dict[str, Schema]:
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="overwrite (or delete) snapshots even though the change breaks their consumers",
    )
    parser.add_argument("--dir", type=Path, default=SCHEMAS_DIR, help="the snapshot directory")
    args = parser.parse_args(argv)
    directory: Path = args.dir

    snapshot = read_snapshot(directory)
    current = current_schemas()
    breaking = snapshot_breaking_changes(snapshot, current)
    if breaking and not args.accept_breaking:
        print(
            "Refusing to update the snapshot; nothing written. Breaking changes:", file=sys.stderr
        )
        for key, changes in breaking.items():
            for change in changes:
                print(f"  {key}: {change}", file=sys.stderr)
        print(
            "Publish a new version of the message instead, or rerun with --accept-breaking.",
            file=sys.stderr,
        )
        return 1

    directory.mkdir(parents=True, exist_ok=True)
    for key, schema in current.items():
        path = directory / f"{key}.json"
        text = render(schema)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path}")
    for key in snapshot.keys() - current.keys():
        (directory / f"{key}.json").unlink()
        print(f"deleted {directory / f'{key}.json'} (accepted as breaking)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
