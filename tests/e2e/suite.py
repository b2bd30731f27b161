"""Runs ticketflow services as real processes (`ticketflow serve NAME`) for end-to-end tests.

On SQLite (the default) each suite keeps its files in its own work dir. With a service's
`<PREFIX>_STORE_URL` set to a MongoDB URL in the environment (CI's MongoDB job sets all four),
each suite gives that service a database of its own, `ticketflow_<service>_<run id>`, and drops
it when the suite stops: no run ever meets an earlier run's documents.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from ticketflow_chassis.testing import TEST_JWT_SECRET

PREFIXES = {
    "pipeline": "PIPELINE",
    "ticket": "TICKET",
    "channels": "CHANNELS",
    "notifier": "NOTIFIER",
}


MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")


def mongo_database_env(name: str, env: Mapping[str, str], run_id: str) -> dict[str, str]:
    """`{"<PREFIX>_MONGO_DATABASE": "ticketflow_<name>_<run_id>"}` when the service's
    `<PREFIX>_STORE_URL` in `env` is a MongoDB URL; nothing on SQLite, the default."""
    prefix = PREFIXES[name]
    if not env.get(f"{prefix}_STORE_URL", "").startswith(MONGO_SCHEMES):
        return {}
    return {f"{prefix}_MONGO_DATABASE": f"ticketflow_{name}_{run_id}"}


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


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
    run_id: str = field(default_factory=new_run_id)
    # MongoDB database -> the store URL it lives at, for the services on MongoDB.
    mongo_databases: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, amqp_url: str | None = None) -> ServiceProcess:
        prefix = PREFIXES[name]
        port = self.services[name].port if name in self.services else free_port()
        env = dict(os.environ)
        env |= {
            f"{prefix}_AMQP_URL": amqp_url or self.amqp_url,
            f"{prefix}_HTTP_PORT": str(port),
            f"{prefix}_VAR_DIR": str(self.workdir / "var"),
            f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
            f"{prefix}_TOKEN_USE_REPORT_SECONDS": "0.5",
            f"{prefix}_JWT_SECRET": TEST_JWT_SECRET,
        }
        if name == "channels":
            env["CHANNELS_SMTP_PORT"] = "0"  # any free port: suites and restarts run side by side
        own_database = mongo_database_env(name, env, self.run_id)
        env |= own_database
        for database in own_database.values():
            self.mongo_databases[database] = env[f"{prefix}_STORE_URL"]
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
        """Stops every process the suite spawned, replaced ones included, then drops the
        suite's MongoDB databases (if any)."""
        await asyncio.gather(*(s.stop() for s in self.spawned))
        await self.drop_mongo_databases()

    async def drop_mongo_databases(self) -> None:
        """Best effort: a database left behind is named for its run and never reused."""
        for database, url in self.mongo_databases.items():
            client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
                url, serverSelectionTimeoutMS=5000
            )
            try:
                await client.drop_database(database)
            except PyMongoError as exc:
                print(f"e2e suite: could not drop MongoDB database {database}: {exc}")
            finally:
                await client.close()
