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

from ticketflow_chassis.testing import TEST_JWT_SECRET

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
        with self.log_path.open("ab") as log:
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

    @property
    def amqp_url(self) -> str:
        return self.env[f"{PREFIXES[self.name]}_AMQP_URL"]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def answers_ready(self) -> bool:
        async with httpx.AsyncClient() as client:
            try:
                return (await client.get(f"{self.url}/readyz", timeout=5)).status_code == 200
            except httpx.TransportError:
                return False

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
    spawned: list[ServiceProcess] = field(default_factory=list)

    def add(self, name: str, amqp_url: str | None = None) -> ServiceProcess:
        prefix = PREFIXES[name]
        port = self.services[name].port if name in self.services else free_port()
        env = dict(os.environ)
        env |= {
            f"{prefix}_AMQP_URL": amqp_url or self.amqp_url,
            f"{prefix}_HTTP_PORT": str(port),
            f"{prefix}_VAR_DIR": str(self.workdir / "var"),
            f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
            f"{prefix}_JWT_SECRET": TEST_JWT_SECRET,
        }
        service = ServiceProcess(name, port, env, self.workdir / f"{name}.log")
        self.services[name] = service
        self.spawned.append(service)
        return service

    async def start_all(self) -> None:
        """Starts the four services; when one does not come up, the others' starts are
        cancelled (stop_all still stops whatever was spawned)."""
        async with asyncio.TaskGroup() as starting:
            for name in PREFIXES:
                starting.create_task(self.add(name).start())

    async def restart_the_unready(self) -> None:
        """Starts again, on the suite's own broker URL, every service that is missing, has
        exited, answers /readyz with anything but 200 or runs with another broker URL;
        stops first every process a later `add` replaced."""
        current = [id(service) for service in self.services.values()]
        await asyncio.gather(*(s.stop() for s in self.spawned if id(s) not in current))
        for name in PREFIXES:
            service = self.services.get(name)
            if (
                service is None
                or not service.running
                or service.amqp_url != self.amqp_url
                or not await service.answers_ready()
            ):
                if service is not None:
                    await service.stop()
                await self.add(name).start()

    async def stop_all(self) -> None:
        """Stops every process the suite spawned, replaced ones included."""
        await asyncio.gather(*(s.stop() for s in self.spawned))
