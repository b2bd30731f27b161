"""Smoke test of a running ticketflow suite over its public HTTP APIs: open an account, create
a ticket in its default pipeline, wait until the notifier has recorded it.

    TICKETFLOW_JWT_SECRET=... .venv/bin/python scripts/compose_smoke.py

Works against any running suite: `docker compose up` (CI's compose job), `ticketflow up`, the
e2e suite (tests/e2e/test_compose_smoke.py). It signs the operator token the way
`ticketflow account create` does (TICKETFLOW_JWT_SECRET or PIPELINE_JWT_SECRET, else the secret
`ticketflow up` keeps in var/). Exit 0 when the ticket reached the notifier, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from ticketflow_cli.jwt_secret import JwtSecretMissing
from ticketflow_cli.operator_api import operator_token

DEFAULT_URLS = {
    "pipeline": "http://127.0.0.1:8001",
    "ticket": "http://127.0.0.1:8002",
    "notifier": "http://127.0.0.1:8004",
}


class SmokeFailed(Exception):
    """A step did not get the answer it needs; the message says which and what came back."""


def step(message: str) -> None:
    print(f"compose_smoke: {message}", flush=True)


def open_account(client: httpx.Client, pipeline_url: str, env: Mapping[str, str]) -> str:
    """A new account (unique name, so a suite that already has data is fine); its admin token."""
    suffix = uuid.uuid4().hex[:8]
    response = client.post(
        f"{pipeline_url}/admin/v1/accounts",
        json={"name": f"Smoke {suffix}", "tier": "professional", "admin_email": "smoke@acme.test"},
        headers={"Authorization": f"Bearer {operator_token(env, datetime.now(UTC))}"},
    )
    if response.status_code != 201:
        raise SmokeFailed(f"opening an account: {response.status_code} {response.text}")
    account: dict[str, Any] = response.json()
    step(f"account {account['account_id']} opened")
    return str(account["token"])


def create_ticket(client: httpx.Client, ticket_url: str, token: str, deadline: float) -> str:
    """Retries while the ticket service has not yet heard of the account's default pipeline
    (400: the replica lags the pipeline service by moments)."""
    body = {
        "properties": {"subject": "Smoke test", "hs_pipeline": "default", "hs_pipeline_stage": "1"}
    }
    while True:
        response = client.post(
            f"{ticket_url}/crm/v3/objects/tickets",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 201:
            ticket_id = str(response.json()["id"])
            step(f"ticket {ticket_id} created")
            return ticket_id
        if response.status_code != 400 or time.monotonic() > deadline:
            raise SmokeFailed(f"creating a ticket: {response.status_code} {response.text}")
        time.sleep(0.2)


def wait_for_notifier(
    client: httpx.Client, notifier_url: str, token: str, ticket_id: str, deadline: float
) -> None:
    url = f"{notifier_url}/notifier/v1/tickets/{ticket_id}"
    while True:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200:
            step(f"the notifier recorded ticket {ticket_id}: {response.json()}")
            return
        if response.status_code != 404 or time.monotonic() > deadline:
            raise SmokeFailed(
                f"waiting for the notifier's record of {ticket_id}: "
                f"{response.status_code} {response.text}"
            )
        time.sleep(0.2)


def smoke(urls: Mapping[str, str], env: Mapping[str, str], timeout: float) -> None:
    """Account -> ticket -> notifier record, within `timeout` seconds; SmokeFailed if not."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=10.0) as client:
        token = open_account(client, urls["pipeline"].rstrip("/"), env)
        ticket_id = create_ticket(client, urls["ticket"].rstrip("/"), token, deadline)
        wait_for_notifier(client, urls["notifier"].rstrip("/"), token, ticket_id, deadline)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in DEFAULT_URLS.items():
        parser.add_argument(f"--{name}-url", default=default, metavar="URL")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    urls = {name: getattr(args, f"{name}_url") for name in DEFAULT_URLS}
    try:
        smoke(urls, os.environ, args.timeout)
    except (SmokeFailed, httpx.HTTPError, JwtSecretMissing, ValueError) as exc:
        print(f"compose_smoke: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    step("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
