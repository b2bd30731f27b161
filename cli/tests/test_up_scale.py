"""`ticketflow up --scale channels-ingest=2` for real: channels runs as intake plus two
ingestion workers on one SQLite file, every child answers /readyz with an instance id of its
own, only the intake one serves the API, and Ctrl-C stops them all."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ticketflow_chassis.testing import TEST_JWT_SECRET

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

URL_LINE = re.compile(r"^(?P<name>\S+)\s+(?P<url>http://\S+)\s")


def free_port(*, room_above: int = 0) -> int:
    """A free port whose next `room_above` ports are free too (the ingestion workers')."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + room_above < 65535 and all(is_free(port + k) for k in range(1, room_above + 1)):
            return port


def is_free(port: int) -> bool:
    try:
        socket.create_server(("127.0.0.1", port)).close()
    except OSError:
        return False
    return True


def test_up_scaled_runs_an_intake_and_two_ingestion_workers_then_stops_cleanly(
    amqp_url: str, tmp_path: Path
) -> None:
    channels = free_port(room_above=12)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CHANNELS_")},
        "AMQP_URL": amqp_url,
        "TICKETFLOW_VAR_DIR": str(tmp_path / "var"),
        "TICKETFLOW_JWT_SECRET": TEST_JWT_SECRET,
        "PIPELINE_HTTP_PORT": str(free_port()),
        "TICKET_HTTP_PORT": str(free_port()),
        "CHANNELS_HTTP_PORT": str(channels),
        "CHANNELS_SMTP_PORT": str(free_port()),
        "NOTIFIER_HTTP_PORT": str(free_port()),
    }
    argv = [sys.executable, "-m", "ticketflow_cli", "up", "--scale", "channels-ingest=2"]
    with (tmp_path / "up.log").open("ab") as log:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    printed: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            if line.startswith("all services are ready"):
                break
        else:
            raise AssertionError(f"up stopped early: {(tmp_path / 'up.log').read_text()[-3000:]}")
        urls = {m["name"]: m["url"] for line in printed if (m := URL_LINE.match(line))}
        assert urls["channels"] == f"http://127.0.0.1:{channels}"
        assert urls["channels-ingest-1"] == f"http://127.0.0.1:{channels + 11}"
        assert urls["channels-ingest-2"] == f"http://127.0.0.1:{channels + 12}"
        assert f"127.0.0.1:{env['CHANNELS_SMTP_PORT']}" in next(
            line for line in printed if line.startswith("smtp")
        )
        with httpx.Client(timeout=5) as client:
            instances = set()
            for name in ("channels", "channels-ingest-1", "channels-ingest-2"):
                assert client.get(f"{urls[name]}/readyz").status_code == 200, name
                instances.add(client.get(f"{urls[name]}/healthz").json()["instance"])
            # The intake serves the API (401 without a token), an ingestion worker does not.
            assert client.get(f"{urls['channels']}/channels/v1/connections").status_code == 401
            worker_api = client.get(f"{urls['channels-ingest-1']}/channels/v1/connections")
            assert worker_api.status_code == 404
        assert len(instances) == 3
        assert list((tmp_path / "var").glob("channels.sqlite3")), "one SQLite file, shared"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
    assert code == 0
    log_text = (tmp_path / "up.log").read_text()
    assert "killing it" not in log_text  # each stopped on SIGTERM, as uvicorn does (-15)
    for name in ("channels", "channels-ingest-1", "channels-ingest-2"):
        assert f"{name} stopped (code -{signal.SIGTERM.value})" in log_text, log_text[-3000:]
