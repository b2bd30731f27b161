"""The in-memory store's outbox delivery state, as pure functions over its entries in `seq`
order: which are due, a failed publish, a replay. The SQLite and MongoDB adapters do the same
in their queries (sqlite_outbox.py, mongo_outbox.py); the contract suite holds them equal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ticketflow_chassis.store.port import OutboxEntry


def due_in_order(entries: Sequence[OutboxEntry], limit: int, now: datetime) -> list[OutboxEntry]:
    """The port's `outbox_due` over entries in `seq` order: the due ones whose ordering key
    no earlier entry holds back (parked, or waiting for its next attempt)."""
    held: set[str] = set()
    due: list[OutboxEntry] = []
    for entry in entries:
        key = entry.message.ordering_key
        if key in held:
            continue
        if not entry.due(now):
            held.add(key)
            continue
        if len(due) == limit:
            break
        due.append(entry)
    return due


def with_failure(
    entries: Sequence[OutboxEntry],
    message_id: str,
    error: str,
    retry_at: datetime | None,
    now: datetime,
) -> list[OutboxEntry]:
    return [
        replace(
            e,
            attempts=e.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            parked_at=now if retry_at is None else None,
        )
        if e.message.message_id == message_id
        else e
        for e in entries
    ]


def unparked(
    entries: Sequence[OutboxEntry], message_ids: Sequence[str] | None
) -> tuple[list[OutboxEntry], int]:
    """The entries with those of `message_ids` (every parked one when None) made due at
    once with no failures counted, and how many that was."""
    chosen = None if message_ids is None else set(message_ids)
    changed = 0
    result = []
    for entry in entries:
        if entry.parked_at is not None if chosen is None else entry.message.message_id in chosen:
            entry = replace(
                entry, attempts=0, last_error=None, next_attempt_at=None, parked_at=None
            )
            changed += 1
        result.append(entry)
    return result, changed
