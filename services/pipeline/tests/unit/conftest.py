"""The `api` fixture: the pipeline service's HTTP API on a fresh in-memory store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .pipeline_api import Api, running_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_api() as api:
        yield api
