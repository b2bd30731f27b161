"""End-to-end fixtures: the four services as real processes on the real broker, shared by
the tests that only call them (`suite`), private to the tests that stop, kill or restart
them or park messages (`private_suite`). Every e2e test runs in the session's event loop."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test

from tests.e2e.suite import Suite

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The shared suite's processes belong to the session loop, so its tests run there too."""
    in_session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if is_async_test(item) and item.path.is_relative_to(HERE):
            item.add_marker(in_session_loop, append=False)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def shared_amqp_url(amqp_url: str) -> Iterator[str]:
    """A virtual host for the shared suite alone: a private suite (on `amqp_url`) running
    meanwhile never competes with it for the services' queues."""
    parts = urlsplit(amqp_url)
    vhost = unquote(parts.path.lstrip("/")) + "-shared"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*")
    try:
        yield parts._replace(path="/" + quote(vhost, safe="")).geturl()
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_suite(
    shared_amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Suite]:
    suite = Suite(tmp_path_factory.mktemp("shared-suite"), shared_amqp_url)
    try:
        await suite.start_all()
        yield suite
    finally:
        await suite.stop_all()


@pytest_asyncio.fixture(loop_scope="session")
async def suite(shared_suite: Suite) -> Suite:
    """The shared suite, every service running and ready (whatever an earlier test left)."""
    await shared_suite.restart_the_unready()
    return shared_suite


@pytest_asyncio.fixture(loop_scope="session")
async def private_suite(amqp_url: str, tmp_path: Path) -> AsyncIterator[Suite]:
    """Four services of the test's own, for a test that changes the processes."""
    suite = Suite(tmp_path, amqp_url)
    try:
        await suite.start_all()
        yield suite
    finally:
        await suite.stop_all()
