"""`ticketflow up` for real: its four services check tokens with the secret it keeps in the var
dir, the same one on the next start, and `ticketflow account create` signs with it."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

SERVICES = ("PIPELINE", "TICKET", "CHANNELS", "NOTIFIER")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(amqp_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a shell with no JWT secret configured, the services on free ports."""
    clean = {name: value for name, value in os.environ.items() if "JWT_SECRET" not in name}
    ports = {f"{prefix}_HTTP_PORT": str(free_port()) for prefix in SERVICES}
    return (
        clean
        | ports
        | {
            "AMQP_URL": amqp_url,
            "TICKETFLOW_VAR_DIR": str(tmp_path / "var"),
            "TICKETFLOW_PIPELINE_URL": f"http://127.0.0.1:{ports['PIPELINE_HTTP_PORT']}",
        }
    )


@contextmanager
def running_up(env: dict[str, str], log: Path) -> Iterator[None]:
    """`ticketflow up` until all its services are ready; SIGINT on exit."""
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "ticketflow_cli", "up"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        assert process.stdout is not None
        # `up` exits (ending the output) when a service is not ready within its timeout.
        for line in process.stdout:
            if line.startswith("all services are ready"):
                break
        else:
            raise AssertionError(f"ticketflow up stopped early: {log.read_text()[-3000:]}")
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def account_create(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "ticketflow_cli", "account", "create", "Acme"]
    argv += ["--tier", "professional", "--admin-email", "ada@acme.test"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def test_up_keeps_one_secret_that_its_services_and_account_create_share(
    env: dict[str, str], tmp_path: Path
) -> None:
    kept = tmp_path / "var" / "jwt-secret"
    with running_up(env, tmp_path / "up.log"):
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        first = kept.read_text()
        created = account_create(env)
        assert created.returncode == 0, created.stderr

    with running_up(env, tmp_path / "up.log"):
        assert kept.read_text() == first
        created = account_create(env)
        assert created.returncode == 0, created.stderr
