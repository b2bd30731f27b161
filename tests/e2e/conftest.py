"""End-to-end fixtures: the four services as real processes on the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.suite import Suite


@pytest.fixture
async def suite(amqp_url: str, tmp_path: Path) -> AsyncIterator[Suite]:
    suite = Suite(tmp_path, amqp_url)
    await suite.start_all()
    try:
        yield suite
    finally:
        await suite.stop_all()
