"""Hooks of the storage tests: the terminal summary says loudly when the MongoDB
contract did not run, so a skipped adapter is never mistaken for a passing one."""

from __future__ import annotations

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
