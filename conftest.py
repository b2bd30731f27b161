"""Fixtures shared by every test directory: a real RabbitMQ in a throw-away virtual host.

With CI=true a test that needs RabbitMQ fails when the broker is missing; it never skips.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import aio_pika
import pytest

# The same variable `ticketflow up` and scripts/ensure_rabbitmq.py read; its vhost is ignored.
BROKER = urlsplit(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")).netloc


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


def _reachable(url: str) -> str | None:
    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _missing_broker(reason: str) -> None:
    message = f"RabbitMQ is needed at amqp://{BROKER}/ and is not usable: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """An AMQP URL into a fresh virtual host, deleted after the session."""
    problem = _reachable(f"amqp://{BROKER}/")
    if problem:
        _missing_broker(problem)
    if shutil.which("rabbitmqctl") is None:
        _missing_broker("rabbitmqctl is not on PATH (needed to create a test virtual host)")
    vhost = f"ticketflow-test-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://{BROKER}/{quote(vhost, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)
