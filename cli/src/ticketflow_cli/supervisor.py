"""`ticketflow up`: the four services as supervised child processes on one event loop
(which children: children.py).

A child counts as ready when its /healthz names the instance id it was started with and its
/readyz answers 200. A child that exits is restarted with backoff, unless it exits
`start_attempts` times in a row without ever getting ready: then `up` gives up. SIGINT/SIGTERM
stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import aio_pika
import httpx
import tenacity

from ticketflow_chassis.settings import DEFAULT_AMQP_URL, EXIT_CONFIGURATION, redacted
from ticketflow_cli import jwt_secret
from ticketflow_cli.child_output import ChildOutput
from ticketflow_cli.children import Child, service_children, smtp_address

log = logging.getLogger(__name__)

BROKER_HINT = (
    "Start one with `rabbitmq-server -detached` (local install) "
    "or `docker compose up -d rabbitmq`, or point AMQP_URL at a running broker."
)


@dataclass(frozen=True)
class Backoff:
    """Restart delays `initial`, 2x, 4x, ... up to `cap` (tenacity's exponential wait);
    a run of `reset_after` s resets it."""

    initial: float = 1.0
    cap: float = 30.0
    reset_after: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait before the restart that follows `failures` earlier failures in a row."""
        wait = tenacity.wait_exponential(multiplier=self.initial, max=self.cap)
        attempt = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
        attempt.attempt_number = failures + 1
        return wait(attempt)


class Supervisor:
    """Starts every child, restarts the ones that die, stops them all on SIGINT/SIGTERM.

        code = await Supervisor([Child("ticket", argv, env, "http://127.0.0.1:8002/readyz")]).run()

    `run()` returns 0 after a requested stop, 1 when a child is not ready in time or keeps
    exiting before it gets ready.
    """

    def __init__(
        self,
        children: Sequence[Child],
        *,
        backoff: Backoff | None = None,
        ready_timeout: float = 60.0,
        start_attempts: int = 5,
        stop_timeout: float = 10.0,
        also_listening: Sequence[tuple[str, str]] = (),
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        """`also_listening`: (name, address) of what the children serve besides HTTP,
        printed with their URLs once they are ready (the SMTP listener)."""
        self._children = tuple(children)
        self._also_listening = tuple(also_listening)
        self._backoff = backoff or Backoff()
        self._ready_timeout = ready_timeout
        self._start_attempts = start_attempts
        self._stop_timeout = stop_timeout
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self._stopping = asyncio.Event()
        self._ready = {child.name: asyncio.Event() for child in self._children}
        self._gave_up: list[str] = []
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        """The latest process of each child, by name (tests read their pids)."""

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop)
        tasks = [asyncio.create_task(self._supervise(child)) for child in self._children]
        try:
            not_ready = await self._wait_until_ready()
            if self._gave_up:
                print(*self._gave_up, sep="\n", file=self._err)
                return 1
            if self._stopping.is_set():
                return 0
            if not_ready:
                for child in not_ready:
                    print(
                        f"{child.name} did not become ready at {child.ready_url} "
                        f"within {self._ready_timeout:g} s; stopping",
                        file=self._err,
                    )
                return 1
            self._print_ready()
            await self._stopping.wait()
            return 0
        finally:
            self.stop()
            await asyncio.gather(*tasks)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    def _print_ready(self) -> None:
        names = [child.name for child in self._children] + [n for n, _ in self._also_listening]
        width = max(len(name) for name in names) + 2
        for child in self._children:
            print(f"{child.name.ljust(width)}{child.base_url}  ({child.what})", file=self._out)
        for name, address in self._also_listening:
            print(f"{name.ljust(width)}{address}", file=self._out)
        print("all services are ready; Ctrl-C stops them", file=self._out, flush=True)

    async def _wait_until_ready(self) -> list[Child]:
        """The children that did not get ready in time (empty when all are ready)."""

        async def all_ready() -> None:
            for child in self._children:
                await self._ready[child.name].wait()

        waits = {asyncio.ensure_future(all_ready()), asyncio.ensure_future(self._stopping.wait())}
        await asyncio.wait(waits, timeout=self._ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        return [child for child in self._children if not self._ready[child.name].is_set()]

    async def _until_ready(self, child: Child, instance: str) -> None:
        """Poll until this very process answers: /healthz with its instance id (another
        program on the port answers /readyz too), then /readyz with 200."""
        health_url = f"{child.base_url}/healthz"
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                with contextlib.suppress(httpx.TransportError, ValueError):
                    health = await client.get(health_url)
                    body = health.json() if health.status_code == 200 else None
                    if (
                        isinstance(body, dict)
                        and body.get("instance") == instance
                        and (await client.get(child.ready_url)).status_code == 200
                    ):
                        self._ready[child.name].set()
                        return
                await asyncio.sleep(0.1)

    async def _supervise(self, child: Child) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._stopping.is_set():
            started = loop.time()
            instance = f"{child.name}-{secrets.token_hex(6)}"
            process = await self._spawn(child, instance)
            output = ChildOutput(process)
            if process is not None:
                ready = asyncio.create_task(self._until_ready(child, instance))
                exited = await self._exits_before_stop(process)
                ready.cancel()
                await asyncio.wait({ready})
                if not exited:
                    await self._terminate(child, process)
                    await output.drained()
                    return
                await output.drained()
            if self._stopping.is_set():
                return
            uptime = loop.time() - started
            if uptime >= self._backoff.reset_after:
                failures = 0
            delay = self._backoff.delay(failures)
            failures += 1
            code = "not started" if process is None else f"code {process.returncode}"
            reason = self._reason_to_give_up(child, process, failures, code)
            if reason is not None:
                self._give_up(child, reason, output)
                return
            log.warning(
                "%s exited (%s) after %.1f s; restarting in %g s", child.name, code, uptime, delay
            )
            if await self._sleep_unless_stopping(delay):
                return

    def _reason_to_give_up(
        self,
        child: Child,
        process: asyncio.subprocess.Process | None,
        failures: int,
        code: str,
    ) -> str | None:
        """Only a child that never got ready is given up on: at once when its configuration
        is invalid (no restart can fix it), else after `start_attempts` exits in a row."""
        if self._ready[child.name].is_set():
            return None
        if process is not None and process.returncode == EXIT_CONFIGURATION:
            return "its configuration is invalid (it cannot start)"
        if failures >= self._start_attempts:
            return f"it exited {failures} times in a row ({code}) without getting ready"
        return None

    def _give_up(self, child: Child, reason: str, output: ChildOutput) -> None:
        """Stop every child; `run()` then prints why and returns 1."""
        self._gave_up.append(
            f"ticketflow up: giving up on {child.name}: {reason}; its last error output:"
        )
        self._gave_up.extend(f"    {line}" for line in output.last_error() or ["(none)"])
        self.stop()

    async def _spawn(self, child: Child, instance: str) -> asyncio.subprocess.Process | None:
        try:
            # Its own process group: a terminal's Ctrl-C reaches only the supervisor,
            # which then stops the children in order instead of racing them.
            process = await asyncio.create_subprocess_exec(
                *child.argv,
                env={**child.env, child.instance_variable: instance},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                process_group=0,
            )
        except OSError as exc:
            log.error("%s could not start: %s", child.name, exc)
            return None
        self.processes[child.name] = process
        log.info("%s started (pid %d)", child.name, process.pid)
        return process

    async def _exits_before_stop(self, process: asyncio.subprocess.Process) -> bool:
        exited = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not exited.done():
            exited.cancel()
        return exited.done() and not exited.cancelled()

    async def _terminate(self, child: Child, process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), self._stop_timeout)
        except TimeoutError:
            log.warning("%s did not stop within %g s; killing it", child.name, self._stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        log.info("%s stopped (code %s)", child.name, process.returncode)

    async def _sleep_unless_stopping(self, seconds: float) -> bool:
        """Sleep; True as soon as a stop is requested."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True


def ports_in_use(children: Sequence[Child]) -> list[Child]:
    """The children whose host:port another process already listens on, found by binding it
    (with SO_REUSEADDR like uvicorn, so a port left in TIME_WAIT counts as free)."""
    taken = []
    for child in children:
        host, port = child.address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            socket.create_server((host, port), family=family).close()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                taken.append(child)
    return taken


async def broker_problem(amqp_url: str, within: float = 3.0) -> str | None:
    """Why RabbitMQ cannot be reached at `amqp_url` within `within` s, or None when it can."""
    try:
        connection = await aio_pika.connect(amqp_url, timeout=within)
    except Exception as exc:  # a probe: any failure means "not reachable", with its reason
        return f"{type(exc).__name__}: {exc}"
    await connection.close()
    return None


async def up(
    env: Mapping[str, str] | None = None,
    *,
    var_dir: Path | None = None,
    ingest_workers: int = 0,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`ticketflow up`: 2 when a port is taken or RabbitMQ is unreachable, else supervise
    until stopped. The children get TICKETFLOW_JWT_SECRET, else the var dir's secret (made on
    the first start, once the checks passed). `ingest_workers`: `--scale channels-ingest=N`."""
    env = dict(os.environ if env is None else env)
    amqp_url = env.get("AMQP_URL", DEFAULT_AMQP_URL)
    directory = (var_dir or jwt_secret.var_dir(env)).resolve()
    try:
        children = service_children(amqp_url, env, directory, ingest_workers=ingest_workers)
    except ValueError as exc:
        print(f"ticketflow up: {exc}", file=err or sys.stderr)
        return 2
    if taken := ports_in_use(children):
        for child in taken:
            host, port = child.address
            print(
                f"ticketflow up: {host}:{port} ({child.name}) is already in use — another "
                f"ticketflow up? {child.port_hint}",
                file=err or sys.stderr,
            )
        return 2
    problem = await broker_problem(amqp_url)
    if problem is not None:
        print(
            f"RabbitMQ is unreachable at {redacted(amqp_url)} ({problem}).\n{BROKER_HINT}",
            file=err or sys.stderr,
        )
        return 2
    try:
        env[jwt_secret.SECRET_VARIABLE] = jwt_secret.secret_for_up(env, directory)
    except jwt_secret.JwtSecretMissing as exc:
        print(exc, file=err or sys.stderr)
        return 2
    # now with the secret
    children = service_children(amqp_url, env, directory, ingest_workers=ingest_workers)
    smtp = [("smtp", f"{smtp_address(env)}  (channels: inbound mail)")]
    return await Supervisor(children, also_listening=smtp, out=out, err=err).run()
