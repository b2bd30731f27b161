"""Services run for a benchmark: `ticketflow up` (or one `ticketflow serve`) in a temp var dir,
on a fresh RabbitMQ virtual host and non-default ports, stopped and deleted on exit.

    async with running_suite(os.environ, port_base=18000) as suite:
        suite.urls["ticket"]; suite.peak_rss()   # {"ticket": 61.2, ...} MiB
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from measure import peak_rss_mib, scratch_vhost

from ticketflow_cli.serve import SERVICES

BIN = Path(sys.executable).parent


@dataclass
class RunningSuite:
    process: subprocess.Popen[bytes]
    urls: dict[str, str]
    env: dict[str, str]
    """The environment it runs with (TICKETFLOW_VAR_DIR: where its jwt-secret is)."""
    pids: dict[str, int] = field(default_factory=dict)

    def peak_rss(self) -> dict[str, float]:
        """Each service process's peak RSS so far (VmHWM), MiB."""
        return {name: peak_rss_mib(pid) for name, pid in self.pids.items()}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _service_of(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"serve" in argv:
            return argv[argv.index(b"serve") + 1].decode()
    return None


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _until_ready(process: subprocess.Popen[bytes], urls: Mapping[str, str]) -> None:
    command = " ".join(map(str, process.args)) if isinstance(process.args, list) else ""
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                answers = [await client.get(f"{url}/readyz") for url in urls.values()]
                if all(a.status_code == 200 for a in answers):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{command} not ready within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@asynccontextmanager
async def started(
    argv: list[str], env: dict[str, str], urls: dict[str, str], log: Path
) -> AsyncIterator[RunningSuite]:
    """`argv` running (its output in `log`) until the block ends, ready once every
    `<url>/readyz` answers 200."""
    process = _spawn(argv, env, log)
    try:
        await _until_ready(process, urls)
        suite = RunningSuite(process, urls, env)
        if argv[-2:-1] == ["serve"]:
            suite.pids = {argv[-1]: process.pid}
        else:
            suite.pids = {name: pid for pid in _children(process.pid) if (name := _service_of(pid))}
        yield suite
    except BaseException:
        sys.stderr.write(_tail(log))
        raise
    finally:
        _stop(process)


@asynccontextmanager
async def running_suite(
    env: Mapping[str, str], port_base: int, up_args: tuple[str, ...] = ()
) -> AsyncIterator[RunningSuite]:
    """The four services by `ticketflow up [up_args]`, on ports port_base+1..4."""
    with scratch_vhost("bench-suite") as amqp_url, tempfile.TemporaryDirectory() as directory:
        ports = {name: port_base + n for n, name in enumerate(SERVICES, start=1)}
        suite_env = {
            **{k: v for k, v in env.items() if not k.endswith(("_HTTP_PORT", "_VAR_DIR"))},
            "AMQP_URL": amqp_url,
            "TICKETFLOW_VAR_DIR": directory,
            **{f"{name.upper()}_HTTP_PORT": str(port) for name, port in ports.items()},
        }
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        argv = [str(BIN / "ticketflow"), "up", *up_args]
        async with started(argv, suite_env, urls, Path(directory) / "up.log") as suite:
            yield suite
