from __future__ import annotations

from pathlib import Path

import pytest

from ..mail_harness import Ingestion, make_ingestion


@pytest.fixture
async def ingestion(tmp_path: Path) -> Ingestion:
    return await make_ingestion(tmp_path)
