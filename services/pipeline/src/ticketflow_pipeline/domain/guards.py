"""The guard document of a rule that reads many documents and then writes only its own.

On MongoDB's snapshot isolation two such changes could both pass on reads that miss each
other (write skew): two pipeline creations at a Free account's limit, two property
definitions at the 1,000th, two reorders of different pipelines. Every change under one rule
writes its guard (at the version it read), so of two concurrent ones one conflicts and runs
again on a read that sees the other. A guard that was never written is at zero."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ChangeGuard:
    account_id: str
    changes: int = 0
    version: int | None = None

    def record_change(self) -> None:
        self.changes += 1
