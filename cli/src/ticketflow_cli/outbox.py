"""`ticketflow outbox list|replay`: a service's outbox, read from its own store (found from
the service's settings, as the service finds it: `<PREFIX>_STORE_URL`, else the var dir).

`list` shows what waits to be published, with its failed attempts and last error; `replay`
makes parked messages due again with no attempts counted: the relay of a running service
publishes them at its next poll (the process that replays is not the one that publishes).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.store.factory import SQLITE_PREFIX, open_store_for
from ticketflow_chassis.store.port import DocumentStore, OutboxEntry
from ticketflow_cli.jwt_secret import var_dir
from ticketflow_cli.serve import SERVICES

# The settings class insists on a secret; reading the outbox signs and checks no token.
_UNUSED_SECRET = "the outbox command signs no token: " + "x" * 32
ERROR_PREVIEW_CHARS = 200


class NoStore(Exception):
    """The service has no store yet (it never ran with these settings)."""


def service_settings(service: str, env: Mapping[str, str]) -> ServiceSettings:
    """The service's own settings (env prefix and defaults); the var dir, when the service's
    is not set, is the one `ticketflow up` gives it (TICKETFLOW_VAR_DIR, else ./var)."""
    module = importlib.import_module(f"ticketflow_{service}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    prefix = str(cls.model_config.get("env_prefix", ""))
    if f"{prefix}VAR_DIR" in env:
        return cls(jwt_secret=SecretStr(_UNUSED_SECRET))
    return cls(jwt_secret=SecretStr(_UNUSED_SECRET), var_dir=var_dir(env))


def store_of(service: str, env: Mapping[str, str]) -> DocumentStore:
    settings = service_settings(service, env)
    url = settings.resolved_store_url()
    if url.startswith(SQLITE_PREFIX) and not Path(url.removeprefix(SQLITE_PREFIX)).exists():
        raise NoStore(f"{service}: no store at {url.removeprefix(SQLITE_PREFIX)}")
    return open_store_for(url, settings.resolved_mongo_database())


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


def _row(service: str, entry: OutboxEntry) -> list[str]:
    message = entry.message
    error = (entry.last_error or "-").replace("\n", " ")[:ERROR_PREVIEW_CHARS]
    return [
        service,
        message.message_id,
        message.headers.get("type", "-"),
        message.routing_key,
        str(entry.attempts),
        _when(entry.next_attempt_at),
        _when(entry.parked_at),
        error,
    ]


def _print_table(rows: Sequence[list[str]], out: TextIO) -> None:
    header = ["SERVICE", "MESSAGE ID", "TYPE", "ROUTING KEY", "ATTEMPTS", "NEXT", "PARKED AT"]
    header.append("ERROR")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]), file=out)


async def list_outbox(
    service: str | None, *, parked_only: bool, env: Mapping[str, str], out: TextIO, err: TextIO
) -> int:
    """0 with the entries (of every service when `service` is None) on `out`."""
    services = SERVICES if service is None else (service,)
    rows: list[list[str]] = []
    for name in services:
        try:
            store = store_of(name, env)
        except NoStore as exc:
            if service is not None:
                print(exc, file=err)
                return 2
            continue
        await store.open(())
        try:
            rows += [_row(name, e) for e in await store.outbox_entries(parked_only=parked_only)]
        finally:
            await store.close()
    if not rows:
        print("no parked messages" if parked_only else "the outbox is empty", file=out)
        return 0
    _print_table(rows, out)
    return 0


async def replay_outbox(
    service: str,
    *,
    message_id: str | None,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    """Unparks `message_id` (parked or waiting for its next attempt), or every parked message
    when None; 1 when the message is not in the outbox."""
    try:
        store = store_of(service, env)
    except NoStore as exc:
        print(exc, file=err)
        return 2
    await store.open(())
    try:
        replayed = await store.outbox_unpark(None if message_id is None else [message_id])
    finally:
        await store.close()
    if message_id is not None and replayed == 0:
        print(f"{service}: no message {message_id} in the outbox", file=err)
        return 1
    print(
        f"{service}: {replayed} message(s) due again; the service's relay publishes them"
        " at its next poll",
        file=out,
    )
    return 0
