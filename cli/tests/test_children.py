"""What `ticketflow up` runs: the four services, and with `--scale channels-ingest=N` channels
as one intake child plus N ingestion workers, each on its own port; the SMTP address shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_channels.settings import Role
from ticketflow_cli.children import service_children, smtp_address
from ticketflow_cli.serve import CHANNELS_ROLES

ENV = {"TICKETFLOW_JWT_SECRET": "s3cret", "CHANNELS_ROLE": "ingest"}


def role_of(argv: list[str] | tuple[str, ...]) -> str:
    assert list(argv[-2:-1]) == ["--role"], argv
    return argv[-1]


def test_the_cli_knows_the_roles_the_channels_service_has() -> None:
    assert set(CHANNELS_ROLES) == {role.value for role in Role}


def test_without_scale_channels_runs_once_with_every_role(tmp_path: Path) -> None:
    children = service_children("amqp://broker/", ENV, tmp_path)

    assert [c.name for c in children] == ["pipeline", "ticket", "channels", "notifier"]
    channels = children[2]
    # On the command line: a CHANNELS_ROLE left in the shell does not make it ingest only.
    assert channels.argv[3:] == ["serve", "channels", "--role", "all"]
    assert channels.ready_url == "http://127.0.0.1:8003/readyz"
    assert channels.instance_variable == "CHANNELS_INSTANCE_ID"


def test_scaled_channels_is_one_intake_and_ingestion_workers_on_ports_of_their_own(
    tmp_path: Path,
) -> None:
    children = service_children("amqp://broker/", ENV, tmp_path, ingest_workers=2)

    names = [c.name for c in children]
    assert names == [
        "pipeline",
        "ticket",
        "channels",
        "channels-ingest-1",
        "channels-ingest-2",
        "notifier",
    ]
    intake, first, second = children[2:5]
    assert [role_of(c.argv) for c in (intake, first, second)] == ["intake", "ingest", "ingest"]
    assert [c.ready_url for c in (intake, first, second)] == [
        "http://127.0.0.1:8003/readyz",
        "http://127.0.0.1:8014/readyz",
        "http://127.0.0.1:8015/readyz",
    ]
    assert [c.env["CHANNELS_HTTP_PORT"] for c in (first, second)] == ["8014", "8015"]
    for child in (intake, first, second):
        # One broker, one var dir (so one channels.sqlite3), one secret; /healthz echoes the
        # id the supervisor puts into CHANNELS_INSTANCE_ID, a new one for every start.
        assert child.env["CHANNELS_AMQP_URL"] == "amqp://broker/"
        assert child.env["CHANNELS_VAR_DIR"] == str(tmp_path)
        assert child.env["CHANNELS_JWT_SECRET"] == "s3cret"
        assert child.instance_variable == "CHANNELS_INSTANCE_ID"
        assert child.argv[1:5] == ["-m", "ticketflow_cli", "serve", "channels"]
    assert "ingestion worker" in first.what


def test_ingestion_workers_follow_a_configured_channels_port_and_host(tmp_path: Path) -> None:
    env = {"CHANNELS_HTTP_PORT": "9100", "CHANNELS_HTTP_HOST": "0.0.0.0"}

    children = service_children("amqp://broker/", env, tmp_path, ingest_workers=3)

    workers = [c for c in children if c.name.startswith("channels-ingest-")]
    assert [c.ready_url for c in workers] == [
        f"http://127.0.0.1:{port}/readyz" for port in (9111, 9112, 9113)
    ]
    assert workers[0].port_hint.startswith("set CHANNELS_HTTP_PORT to another port")


def test_the_ingest_role_never_opens_the_smtp_listener() -> None:
    assert not Role.INGEST.intakes
    assert Role.INTAKE.intakes
    assert Role.ALL.intakes


def test_a_channels_port_that_is_no_number_is_refused_when_workers_need_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="CHANNELS_HTTP_PORT must be a port number"):
        service_children("amqp://b/", {"CHANNELS_HTTP_PORT": "http"}, tmp_path, ingest_workers=1)


@pytest.mark.parametrize(
    ("env", "address"),
    [
        ({}, "127.0.0.1:2525"),
        ({"CHANNELS_SMTP_PORT": "2626"}, "127.0.0.1:2626"),
        ({"CHANNELS_SMTP_HOST": "0.0.0.0", "CHANNELS_SMTP_PORT": "25"}, "127.0.0.1:25"),
        ({"CHANNELS_SMTP_PORT": "0"}, "127.0.0.1 (any free port: see channels' log)"),
    ],
)
def test_the_smtp_address_comes_from_the_channels_settings(
    env: dict[str, str], address: str
) -> None:
    assert smtp_address(env) == address
