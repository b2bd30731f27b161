"""The `api` fixture: the pipeline service's HTTP API on a fresh in-memory store.

Test modules here import their support from `pipeline_api` (this directory). The tests
directories of several services are not packages (each would be called `tests`), so this
directory is put on the import path instead.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pipeline_api import Api, running_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_api() as api:
        yield api
