"""`ticketflow serve` and the arguments of `up`: an unknown service name is refused with the list
of real ones; `--role` only for channels; `--scale channels-ingest=N` only; a service
without a usable JWT secret does not start."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ticketflow_chassis.settings import EXIT_CONFIGURATION
from ticketflow_cli.main import build_parser, main
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


@pytest.mark.parametrize(
    ("argv", "scale"),
    [
        (["up"], 0),
        (["up", "--scale", "channels-ingest=0"], 0),
        (["up", "--scale", "channels-ingest=3"], 3),
        (["up", "--scale=channels-ingest=12"], 12),
    ],
)
def test_up_takes_the_number_of_channels_ingestion_workers(argv: list[str], scale: int) -> None:
    assert build_parser().parse_args(argv).scale == scale


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("channels-ingest=-1", "expected channels-ingest=N with N >= 0"),
        ("channels-ingest=two", "expected channels-ingest=N with N >= 0"),
        ("channels-ingest=", "expected channels-ingest=N with N >= 0"),
        ("channels-ingest", "expected channels-ingest=N with N >= 0"),
        ("ticket=2", "only channels ingestion scales on its own"),
        ("channels=2", "only channels ingestion scales on its own"),
        ("channels-ingest=65", "at most channels-ingest=64"),
    ],
)
def test_up_refuses_any_other_scale(
    value: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["up", "--scale", value]) == 2

    err = capsys.readouterr().err
    assert "argument --scale" in err
    assert reason in err


def test_a_role_is_refused_for_a_service_other_than_channels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "ticket", "--role", "ingest"]) == 2

    assert capsys.readouterr().err == (
        "ticketflow serve: --role applies to channels only (all|intake|ingest); "
        "ticket has no roles\n"
    )


def test_an_unknown_channels_role_is_refused_listing_the_roles() -> None:
    err = io.StringIO()

    assert serve("channels", "both", err=err) == 2

    assert "unknown role 'both' for channels; choose one of: all, intake, ingest" in err.getvalue()


@pytest.mark.parametrize(("flag", "role_refused"), [([], True), (["--role", "ingest"], False)])
def test_the_role_flag_wins_over_channels_role_in_the_environment(
    tmp_path: Path, flag: list[str], role_refused: bool
) -> None:
    """Both runs stop at start-up for the missing secret; the configuration error names
    every bad variable, so it shows whether the bad CHANNELS_ROLE was read."""
    env = {
        "CHANNELS_HTTP_PORT": str(free_port()),
        "CHANNELS_VAR_DIR": str(tmp_path),
        "CHANNELS_ROLE": "bogus",
    }
    argv = [sys.executable, "-m", "ticketflow_cli", "serve", "channels", *flag]

    stopped = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)

    assert stopped.returncode == EXIT_CONFIGURATION
    assert "CHANNELS_JWT_SECRET: Field required" in stopped.stderr
    assert ("CHANNELS_ROLE" in stopped.stderr) is role_refused, stopped.stderr
