"""scripts/compose_smoke.py, the smoke test CI's compose job runs against `docker compose up`,
run here against the e2e suite: it passes on a working suite and says why it fails otherwise."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.suite import Suite, free_port
from ticketflow_chassis.testing import TEST_JWT_SECRET

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compose_smoke.py"


async def run_smoke(*args: str, secret: str = TEST_JWT_SECRET) -> tuple[int, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PIPELINE_JWT_SECRET", "TICKETFLOW_JWT_SECRET"}
    }
    env["TICKETFLOW_JWT_SECRET"] = secret
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


def suite_urls(suite: Suite) -> list[str]:
    return [
        f"--{name}-url={suite.services[name].url}" for name in ("pipeline", "ticket", "notifier")
    ]


async def test_the_smoke_test_passes_once_the_notifier_recorded_the_ticket(suite: Suite) -> None:
    returncode, output = await run_smoke(*suite_urls(suite), "--timeout=30")
    assert returncode == 0, output
    assert "account " in output
    assert "ticket " in output
    assert "the notifier recorded ticket" in output
    assert output.rstrip().endswith("compose_smoke: passed")


async def test_the_smoke_test_fails_naming_the_refused_step(suite: Suite) -> None:
    """A secret the services do not share: the pipeline service refuses the operator token."""
    returncode, output = await run_smoke(*suite_urls(suite), secret="x" * 48)
    assert returncode == 1
    assert "FAILED: SmokeFailed: opening an account: 401" in output


async def test_the_smoke_test_fails_when_nothing_listens() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    returncode, output = await run_smoke(f"--pipeline-url={nowhere}")
    assert returncode == 1
    assert "FAILED: ConnectError" in output
