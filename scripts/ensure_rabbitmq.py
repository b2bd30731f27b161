"""Before the tests: make sure RabbitMQ answers at AMQP_URL, starting a local one if it can.

Exit 0 when it is reachable. When it is not: exit 1 with CI=true (broker tests must fail
there, never skip), else warn and exit 0 so the tests that need it skip with a reason.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import aio_pika

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
START_TIMEOUT_SECONDS = 60.0


def redacted(url: str) -> str:
    """`amqp://guest:guest@host/` -> `amqp://guest:***@host/`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(
        parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1))
    )


async def _probe(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=3)
    await connection.close()


def broker_problem(url: str) -> str | None:
    """Why RabbitMQ cannot be reached at `url`, or None when it can."""
    try:
        asyncio.run(_probe(url))
    except Exception as exc:  # a probe: any failure means "not reachable", with its reason
        return f"{type(exc).__name__}: {exc}"
    return None


def start_local_broker(url: str) -> str | None:
    """Run `rabbitmq-server -detached` and wait for it; None once it answers."""
    server = shutil.which("rabbitmq-server")
    if server is None:
        return "rabbitmq-server is not on PATH"
    print("ensure_rabbitmq: starting `rabbitmq-server -detached`", file=sys.stderr)
    subprocess.run([server, "-detached"], check=False, timeout=30)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    problem = broker_problem(url)
    while problem is not None and time.monotonic() < deadline:
        time.sleep(1)
        problem = broker_problem(url)
    return problem


def main() -> int:
    # Our own message says why the broker is unreachable; aiormq would log it a second time.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)
    url = os.environ.get("AMQP_URL", DEFAULT_AMQP_URL)
    problem = broker_problem(url)
    if problem is not None:
        start_problem = start_local_broker(url)
        problem = None if start_problem is None else f"{problem}; then {start_problem}"
    if problem is None:
        print(f"ensure_rabbitmq: RabbitMQ is reachable at {redacted(url)}", file=sys.stderr)
        return 0
    message = (
        f"RabbitMQ is not reachable at {redacted(url)} ({problem}). Start it with "
        "`rabbitmq-server -detached` or `docker compose up -d rabbitmq`."
    )
    if os.environ.get("CI") == "true":
        print(
            f"ensure_rabbitmq: error: {message} In CI the tests that need it fail, never skip.",
            file=sys.stderr,
        )
        return 1
    print(f"ensure_rabbitmq: warning: {message} Tests marked rabbitmq will skip.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
