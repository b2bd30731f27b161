"""What `ticketflow up` runs: one child process per service, and with `--scale
channels-ingest=N` channels split into one intake child and N ingestion workers.

    channels             role all, on CHANNELS_HTTP_PORT (8003)          N = 0 (default)
    channels             role intake: HTTP API, SMTP listener, sending   N >= 1
    channels-ingest-i    role ingest, on CHANNELS_HTTP_PORT + 10 + i     i = 1..N

Every channels child shares the var dir, so the one SQLite file `channels.sqlite3`: SQLite's
file lock lets one process write at a time, and a unit of work that waits too long for it
runs again (the chassis' TransientStoreError).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ticketflow_cli.serve import SERVICES

DEFAULT_HTTP_PORTS = {"pipeline": 8001, "ticket": 8002, "channels": 8003, "notifier": 8004}
DEFAULT_SMTP_PORT = 2525  # ticketflow_channels.settings.ChannelsSettings.smtp_port
INGEST_PORT_OFFSET = 10
"""Ingestion worker i (from 1) answers /healthz and /readyz on the channels port + 10 + i:
8014, 8015, ... by default, clear of the four services' 8001-8004."""
INGEST_WORKER = "channels-ingest"


@dataclass(frozen=True)
class Child:
    """One supervised program and the URL that answers 200 once it is ready. `service` is
    the service it runs when the child's name says more (`channels-ingest-2` runs channels)."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    ready_url: str
    service: str = ""
    what: str = "docs: /docs"
    """Shown beside its URL once it is ready."""

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.ready_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.ready_url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def instance_variable(self) -> str:
        """The service setting (`<PREFIX>_INSTANCE_ID`) that carries the id /healthz echoes."""
        return f"{(self.service or self.name).upper()}_INSTANCE_ID"

    @property
    def port_hint(self) -> str:
        """What to change when its port is taken."""
        if self.service and self.service != self.name:
            return (
                f"set {self.service.upper()}_HTTP_PORT to another port (its ingestion workers "
                f"listen on that port + {INGEST_PORT_OFFSET} + i)"
            )
        return f"set {self.name.upper()}_HTTP_PORT to another port"


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def service_children(
    amqp_url: str, env: Mapping[str, str], var_dir: Path, *, ingest_workers: int = 0
) -> list[Child]:
    """The four services, each run as `python -m ticketflow_cli serve NAME` on one broker;
    with `ingest_workers` >= 1, channels as intake followed by that many ingestion workers."""
    secret = env.get("TICKETFLOW_JWT_SECRET")
    children = []
    for name in SERVICES:
        prefix = name.upper()
        child_env = {**env, f"{prefix}_AMQP_URL": amqp_url, f"{prefix}_VAR_DIR": str(var_dir)}
        if secret:
            child_env[f"{prefix}_JWT_SECRET"] = secret
        host = _loopback(env.get(f"{prefix}_HTTP_HOST", "127.0.0.1"))
        port = env.get(f"{prefix}_HTTP_PORT", str(DEFAULT_HTTP_PORTS[name]))
        argv = [sys.executable, "-m", "ticketflow_cli", "serve", name]
        if name != "channels":
            children.append(Child(name, argv, child_env, f"http://{host}:{port}/readyz"))
            continue
        # The role always on the command line: a CHANNELS_ROLE left in the shell changes nothing.
        role = "intake" if ingest_workers else "all"
        url = f"http://{host}:{port}/readyz"
        children.append(Child(name, [*argv, "--role", role], child_env, url, service=name))
        children += ingest_children(argv, child_env, host, port, ingest_workers)
    return children


def ingest_children(
    argv: Sequence[str], env: Mapping[str, str], host: str, port: str, count: int
) -> list[Child]:
    """`count` channels ingestion workers: role ingest, each on its own HTTP port (the
    health routes only) and never on the SMTP port, which the ingest role does not open.
    A ValueError names CHANNELS_HTTP_PORT when it is no port number."""
    if count and not (port.isascii() and port.isdigit() and int(port) < 65535 - count - 10):
        raise ValueError(
            f"CHANNELS_HTTP_PORT must be a port number that leaves room for {count} ingestion "
            f"workers above it (+{INGEST_PORT_OFFSET + 1}..+{INGEST_PORT_OFFSET + count}), "
            f"not {port!r}"
        )
    workers = []
    for i in range(1, count + 1):
        own_port = int(port) + INGEST_PORT_OFFSET + i
        worker_env = {**env, "CHANNELS_HTTP_PORT": str(own_port)}
        workers.append(
            Child(
                f"{INGEST_WORKER}-{i}",
                [*argv, "--role", "ingest"],
                worker_env,
                f"http://{host}:{own_port}/readyz",
                service="channels",
                what="ingestion worker: /healthz, /readyz",
            )
        )
    return workers


def smtp_address(env: Mapping[str, str]) -> str:
    """Where the channels child that intakes listens for mail (CHANNELS_SMTP_HOST/_PORT)."""
    host = _loopback(env.get("CHANNELS_SMTP_HOST", "127.0.0.1"))
    port = env.get("CHANNELS_SMTP_PORT", str(DEFAULT_SMTP_PORT))
    return f"{host} (any free port: see channels' log)" if port == "0" else f"{host}:{port}"
