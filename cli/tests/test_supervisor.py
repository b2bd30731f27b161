"""`ticketflow up`: the supervisor on small fake services, a stranger on a child's port, a
taken port, a child that never starts, and the missing-broker message."""

from __future__ import annotations

import asyncio
import http.server
import io
import json
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from ticketflow_chassis.settings import EXIT_CONFIGURATION
from ticketflow_cli.children import DEFAULT_HTTP_PORTS, Child, service_children
from ticketflow_cli.main import main
from ticketflow_cli.supervisor import Backoff, Supervisor, up

# A fake service: records each start in a file; its k-th start exits with code 3 (or
# FAKE_EXIT_CODE) after
# crash_after[k - 1] s (comma-separated; later starts serve); optionally ignores SIGTERM;
# then answers 200 on every GET, /healthz with the instance id the supervisor gave it.
FAKE_SERVICE = """
import http.server, json, os, pathlib, signal, sys, time
port, starts, crash_after, ignore_term = int(sys.argv[1]), pathlib.Path(sys.argv[2]), *sys.argv[3:5]
instance = os.environ.get(sys.argv[5], "")
with starts.open("a") as f:
    f.write("start\\n")
lifetimes = [float(seconds) for seconds in crash_after.split(",") if seconds]
start = len(starts.read_text().splitlines())
if start <= len(lifetimes):
    time.sleep(lifetimes[start - 1])
    sys.exit(int(os.environ.get("FAKE_EXIT_CODE", "3")))
if ignore_term == "1":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "ok", "instance": instance}).encode()
        self.send_response(200)
        self.end_headers()
        if self.path == "/healthz":
            self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Ready).serve_forever()
"""
FAST = Backoff(initial=0.05, cap=0.2, reset_after=60.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fake_child(
    name: str,
    tmp_path: Path,
    *,
    crash_after: Sequence[float] = (),
    ignore_term: bool = False,
    port: int | None = None,
    exit_code: int = 3,
    service: str = "",
) -> Child:
    port = port or free_port()
    starts = tmp_path / f"{name}.starts"
    variable = f"{(service or name).upper()}_INSTANCE_ID"
    flags = [",".join(map(str, crash_after)), str(int(ignore_term)), variable]
    argv = [sys.executable, "-c", FAKE_SERVICE, str(port), str(starts), *flags]
    env = {**os.environ, "FAKE_EXIT_CODE": str(exit_code)}
    return Child(name, argv, env, f"http://127.0.0.1:{port}/readyz", service=service)


class OtherSuite(http.server.BaseHTTPRequestHandler):
    """Another `ticketflow up`'s service: ready, healthy, and some other instance."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps({"status": "ok", "instance": "someone-else"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_suite_port() -> Iterator[int]:
    """A port on which another program answers /readyz and /healthz with 200."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtherSuite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()
    thread.join()


async def start(supervisor: Supervisor, out: io.StringIO) -> asyncio.Task[int]:
    """Run the supervisor in the background until it has printed that everything is ready."""
    task = asyncio.create_task(supervisor.run())
    async with asyncio.timeout(20):
        while "ready" not in out.getvalue():
            assert not task.done(), "the supervisor ended before its children were ready"
            await asyncio.sleep(0.05)
    return task


def assert_all_exited(supervisor: Supervisor, names: Sequence[str]) -> None:
    assert sorted(supervisor.processes) == sorted(names)
    assert all(p.returncode is not None for p in supervisor.processes.values())


def restart_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The delays the supervisor logged, in order."""
    return [float(delay) for delay in re.findall(r"restarting in (\S+) s", caplog.text)]


def test_restart_delays_double_up_to_the_cap() -> None:
    delays = [Backoff().delay(failures) for failures in range(7)]

    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert Backoff().delay(10_000) == 30
    assert [FAST.delay(failures) for failures in range(4)] == [0.05, 0.1, 0.2, 0.2]


async def test_ready_services_are_announced_with_their_urls(tmp_path: Path) -> None:
    out = io.StringIO()
    children = [fake_child("pipeline", tmp_path), fake_child("ticket", tmp_path)]
    supervisor = Supervisor(children, backoff=FAST, out=out)

    task = await start(supervisor, out)
    supervisor.stop()

    assert await task == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"pipeline  {children[0].base_url}  (docs: /docs)"
    assert lines[1] == f"ticket    {children[1].base_url}  (docs: /docs)"
    assert_all_exited(supervisor, ["pipeline", "ticket"])


async def test_children_of_one_service_get_ready_each_with_its_own_instance_id(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    children = [
        fake_child("channels", tmp_path, service="channels"),
        fake_child("channels-ingest-1", tmp_path, service="channels"),
    ]
    children[1] = replace(children[1], what="ingestion worker: /healthz, /readyz")
    smtp = [("smtp", "127.0.0.1:2525  (channels: inbound mail)")]
    supervisor = Supervisor(children, backoff=FAST, also_listening=smtp, out=out)

    task = await start(supervisor, out)
    async with httpx.AsyncClient() as client:
        health = [(await client.get(f"{c.base_url}/healthz")).json() for c in children]
    supervisor.stop()

    assert await task == 0
    # Both read CHANNELS_INSTANCE_ID; each got its own, and was told apart by it.
    instances = [body["instance"] for body in health]
    assert instances[0].startswith("channels-")
    assert instances[1].startswith("channels-ingest-1-")
    assert out.getvalue().splitlines() == [
        f"channels           {children[0].base_url}  (docs: /docs)",
        f"channels-ingest-1  {children[1].base_url}  (ingestion worker: /healthz, /readyz)",
        "smtp               127.0.0.1:2525  (channels: inbound mail)",
        "all services are ready; Ctrl-C stops them",
    ]


async def test_a_crashed_child_is_restarted_and_the_restart_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = io.StringIO()
    supervisor = Supervisor(
        [fake_child("ticket", tmp_path, crash_after=[0])], backoff=FAST, out=out
    )

    task = await start(supervisor, out)
    supervisor.stop()

    assert await task == 0
    assert (tmp_path / "ticket.starts").read_text().splitlines() == ["start", "start"]
    assert "ticket exited (code 3)" in caplog.text
    assert restart_delays(caplog) == [0.05]


async def test_a_child_crashing_again_and_again_waits_longer_each_time_up_to_the_cap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = io.StringIO()
    child = fake_child("ticket", tmp_path, crash_after=[0, 0, 0, 0])
    supervisor = Supervisor([child], backoff=FAST, out=out)

    task = await start(supervisor, out)
    supervisor.stop()

    assert await task == 0
    assert restart_delays(caplog) == [0.05, 0.1, 0.2, 0.2]


async def test_a_stable_run_resets_the_restart_delay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = io.StringIO()
    backoff = Backoff(initial=0.05, cap=0.2, reset_after=1.5)
    # Two quick crashes, a run longer than reset_after, then two quick crashes again.
    child = fake_child("ticket", tmp_path, crash_after=[0, 0, 2.0, 0, 0])
    supervisor = Supervisor([child], backoff=backoff, out=out)

    task = await start(supervisor, out)
    supervisor.stop()

    assert await task == 0
    assert restart_delays(caplog) == [0.05, 0.1, 0.05, 0.1, 0.2]


async def test_sigterm_stops_every_child_well_within_the_timeout(tmp_path: Path) -> None:
    out = io.StringIO()
    children = [fake_child("pipeline", tmp_path), fake_child("notifier", tmp_path)]
    supervisor = Supervisor(children, backoff=FAST, stop_timeout=10.0, out=out)
    task = await start(supervisor, out)
    loop = asyncio.get_running_loop()
    began = loop.time()

    os.kill(os.getpid(), signal.SIGTERM)

    assert await asyncio.wait_for(task, 10) == 0
    assert loop.time() - began < 5
    assert_all_exited(supervisor, ["pipeline", "notifier"])
    assert supervisor.processes["pipeline"].returncode == -signal.SIGTERM


async def test_a_child_ignoring_sigterm_is_killed_after_the_stop_timeout(tmp_path: Path) -> None:
    out = io.StringIO()
    child = fake_child("channels", tmp_path, ignore_term=True)
    supervisor = Supervisor([child], backoff=FAST, stop_timeout=0.5, out=out)
    task = await start(supervisor, out)

    supervisor.stop()

    assert await asyncio.wait_for(task, 10) == 0
    assert supervisor.processes["channels"].returncode == -signal.SIGKILL


async def test_a_child_that_never_gets_ready_fails_the_start(tmp_path: Path) -> None:
    err = io.StringIO()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    never = Child("ticket", sleeper, dict(os.environ), f"http://127.0.0.1:{free_port()}/readyz")
    supervisor = Supervisor([never], backoff=FAST, ready_timeout=0.5, err=err)

    assert await asyncio.wait_for(supervisor.run(), 10) == 1

    assert "ticket did not become ready" in err.getvalue()
    assert_all_exited(supervisor, ["ticket"])


async def test_another_program_answering_on_the_port_is_not_taken_for_the_child(
    other_suite_port: int,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    child = Child(
        "ticket", sleeper, dict(os.environ), f"http://127.0.0.1:{other_suite_port}/readyz"
    )
    supervisor = Supervisor([child], backoff=FAST, ready_timeout=1.0, out=out, err=err)

    assert await asyncio.wait_for(supervisor.run(), 10) == 1

    assert "ready" not in out.getvalue()
    assert "ticket did not become ready" in err.getvalue()
    assert_all_exited(supervisor, ["ticket"])


async def test_a_child_that_exits_at_every_start_is_given_up_and_the_others_stopped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out, err = io.StringIO(), io.StringIO()
    children = [
        fake_child("pipeline", tmp_path),
        fake_child("ticket", tmp_path, crash_after=[0] * 9),
    ]
    supervisor = Supervisor(children, backoff=FAST, start_attempts=5, out=out, err=err)

    assert await asyncio.wait_for(supervisor.run(), 10) == 1

    assert (tmp_path / "ticket.starts").read_text().splitlines() == ["start"] * 5
    assert restart_delays(caplog) == [0.05, 0.1, 0.2, 0.2]
    assert err.getvalue().startswith(
        "ticketflow up: giving up on ticket: it exited 5 times in a row (code 3) "
        "without getting ready; its last error output:"
    )
    assert "ready" not in out.getvalue()
    assert_all_exited(supervisor, ["pipeline", "ticket"])


async def test_a_child_stopped_by_its_configuration_is_given_up_at_the_first_start(
    tmp_path: Path,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    child = fake_child("ticket", tmp_path, crash_after=[0] * 9, exit_code=EXIT_CONFIGURATION)
    supervisor = Supervisor([child], backoff=FAST, start_attempts=5, out=out, err=err)

    assert await asyncio.wait_for(supervisor.run(), 10) == 1

    assert (tmp_path / "ticket.starts").read_text().splitlines() == ["start"]
    assert err.getvalue().startswith(
        "ticketflow up: giving up on ticket: its configuration is invalid (it cannot start)"
    )


async def test_a_child_that_cannot_bind_its_port_is_given_up_with_its_error(
    tmp_path: Path, other_suite_port: int
) -> None:
    out, err = io.StringIO(), io.StringIO()
    child = fake_child("pipeline", tmp_path, port=other_suite_port)
    supervisor = Supervisor([child], backoff=FAST, start_attempts=3, out=out, err=err)

    assert await asyncio.wait_for(supervisor.run(), 10) == 1

    assert "ready" not in out.getvalue()
    assert "giving up on pipeline: it exited 3 times in a row (code 1)" in err.getvalue()
    assert "Address already in use" in err.getvalue()


async def test_up_refuses_a_taken_port_before_starting_anything(tmp_path: Path) -> None:
    err = io.StringIO()
    env = {
        **{f"{name.upper()}_HTTP_PORT": str(free_port()) for name in DEFAULT_HTTP_PORTS},
        # Were the port check skipped, the broker check would fail instead: nothing starts.
        "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/",
    }
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        env["PIPELINE_HTTP_PORT"] = str(port)

        code = await asyncio.wait_for(up(env, var_dir=tmp_path, err=err), 10)

    assert code == 2
    assert err.getvalue() == (
        f"ticketflow up: 127.0.0.1:{port} (pipeline) is already in use — another ticketflow up? "
        "set PIPELINE_HTTP_PORT to another port\n"
    )


def test_services_share_the_broker_var_dir_and_jwt_secret(tmp_path: Path) -> None:
    env = {"TICKETFLOW_JWT_SECRET": "s3cret", "TICKET_HTTP_PORT": "9102"}

    children = service_children("amqp://broker/", env, tmp_path)

    assert [c.name for c in children] == ["pipeline", "ticket", "channels", "notifier"]
    ticket = children[1]
    assert ticket.argv[1:] == ["-m", "ticketflow_cli", "serve", "ticket"]
    assert ticket.env["TICKET_AMQP_URL"] == "amqp://broker/"
    assert ticket.env["TICKET_VAR_DIR"] == str(tmp_path)
    assert ticket.env["TICKET_JWT_SECRET"] == "s3cret"
    assert ticket.ready_url == "http://127.0.0.1:9102/readyz"
    assert children[0].ready_url == "http://127.0.0.1:8001/readyz"


def test_up_without_rabbitmq_says_how_to_start_one_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://guest:guest@127.0.0.1:1/")

    assert main(["up"]) == 2

    err = capsys.readouterr().err
    assert "RabbitMQ is unreachable at amqp://guest:***@127.0.0.1:1/" in err
    assert "rabbitmq-server -detached" in err
    assert "docker compose up -d rabbitmq" in err
