"""Runs ticketflow services as real processes (`ticketflow serve NAME`) for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PREFIXES = {
    "pipeline": "PIPELINE",
    "ticket": "TICKET",
    "channels": "CHANNELS",
    "notifier": "NOTIFIER",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ticketflow_cli",
            "serve",
            self.name,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        await self.wait_ready()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        async with httpx.AsyncClient() as client:
            deadline = asyncio.get_running_loop().time() + timeout
            while asyncio.get_running_loop().time() < deadline:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} not ready: {self.log_path.read_text()[-3000:]}")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                await self.kill()


@dataclass
class Suite:
    workdir: Path
    amqp_url: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def add(self, name: str, amqp_url: str | None = None) -> ServiceProcess:
        prefix = PREFIXES[name]
        port = self.services[name].port if name in self.services else free_port()
        env = dict(os.environ)
        env |= {
            f"{prefix}_AMQP_URL": amqp_url or self.amqp_url,
            f"{prefix}_HTTP_PORT": str(port),
            f"{prefix}_VAR_DIR": str(self.workdir / "var"),
            f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
        }
        service = ServiceProcess(name, port, env, self.workdir / f"{name}.log")
        self.services[name] = service
        return service

    async def start_all(self) -> None:
        await asyncio.gather(*(self.add(name).start() for name in PREFIXES))

    async def stop_all(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.services.values()))
