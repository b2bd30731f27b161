"""`ticketflow serve`: an unknown service name is refused with the list of real ones; a service
without a usable JWT secret does not start."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ticketflow_chassis.settings import EXIT_CONFIGURATION
from ticketflow_cli.main import main
from ticketflow_cli.serve import serve


def test_unknown_service_is_refused_listing_the_four_services() -> None:
    err = io.StringIO()

    assert serve("tickets", err=err) == 2

    message = err.getvalue()
    assert "unknown service 'tickets'" in message
    assert "pipeline, ticket, channels, notifier" in message


def test_the_command_exits_2_for_an_unknown_service(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "nope"]) == 2

    assert "choose one of: pipeline, ticket, channels, notifier" in capsys.readouterr().err


def test_a_command_without_arguments_shows_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2

    assert "usage: ticketflow" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("configured", "reason"),
    [({}, "Field required"), ({"TICKET_JWT_SECRET": "short"}, "at least 32 bytes")],
)
def test_a_service_without_a_usable_jwt_secret_refuses_to_start_in_one_line(
    tmp_path: Path, configured: dict[str, str], reason: str
) -> None:
    env = {
        "TICKET_HTTP_PORT": str(free_port()),
        "TICKET_VAR_DIR": str(tmp_path),
        "TICKET_AMQP_URL": "amqp://guest:guest@127.0.0.1:1/",  # never reached
        **configured,
    }
    argv = [sys.executable, "-m", "ticketflow_cli", "serve", "ticket"]

    stopped = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)

    assert stopped.returncode == EXIT_CONFIGURATION  # a supervisor gives up on it at once
    lines = stopped.stderr.strip().splitlines()
    assert len(lines) == 1, stopped.stderr
    assert lines[0].startswith("invalid configuration: TICKET_JWT_SECRET: ")
    assert reason in lines[0]
