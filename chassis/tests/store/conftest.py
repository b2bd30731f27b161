"""Hooks of the storage tests: the terminal summary says loudly when the MongoDB
contract did not run, so a skipped adapter is never mistaken for a passing one; and the
`hops` fixture that counts a SQLite connection's round trips."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
import pytest

MONGO_NOT_RUN = (
    "MongoDB storage contract NOT RUN: set MONGODB_URL=mongodb://host:27017/?replicaSet=rs0"
    " or start Docker"
)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "mongodb" in getattr(report, "keywords", {})
    ]
    if skipped:
        terminalreporter.write_sep(
            "!", f"{MONGO_NOT_RUN} ({len(skipped)} tests skipped)", yellow=True, bold=True
        )


@dataclass
class Hops:
    """Every call sent to a connection's worker thread while `counting`: its SQL, or the
    name of what ran there (`<close>` for a cursor's close)."""

    calls: list[str] = field(default_factory=list)
    recording: bool = False

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.calls.clear()
        self.recording = True
        try:
            yield self.calls
        finally:
            self.recording = False


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    """Wraps aiosqlite's one way to its worker thread (a private method: the only place
    where every call, cursor closes included, can be seen)."""
    seen = Hops()
    original: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
        if seen.recording:
            sql = args[0] if args and isinstance(args[0], str) else None
            seen.calls.append(sql or f"<{getattr(fn, '__name__', fn)}>")
        return await original(connection, fn, *args, **kw)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen
