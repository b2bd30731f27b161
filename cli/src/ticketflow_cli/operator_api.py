"""The pipeline service's operator API, called by the CLI with a platform-operator token signed
with the suite's secret: `ticketflow account create`, `ticketflow token create`."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_cli.jwt_secret import JwtSecretMissing, secret_for_signing

OPERATOR = Principal(
    account_id="platform", user_id="cli", roles=frozenset({Role.OPERATOR}), teams=frozenset()
)


def operator_token(env: Mapping[str, str], now: datetime) -> str:
    """A platform-operator token signed with the secret and issuer the pipeline service checks;
    JwtSecretMissing when there is no secret (see `secret_for_signing`)."""
    secret = secret_for_signing(env)
    issuer = env.get("PIPELINE_JWT_ISSUER") or "ticketflow"
    return TokenCodec(secret, issuer).issue(OPERATOR, now=now)


def post_as_operator(
    path: str,
    body: dict[str, Any],
    *,
    pipeline_url: str,
    env: Mapping[str, str],
    out: TextIO | None = None,
    err: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """0 with the answer's JSON on `out`; 1 when refused; 2 when it cannot be sent."""
    out, err = out or sys.stdout, err or sys.stderr
    url = f"{pipeline_url.rstrip('/')}{path}"
    try:
        token = operator_token(env, datetime.now(UTC))
    except JwtSecretMissing as exc:
        print(exc, file=err)
        return 2
    except ValueError as exc:  # a secret too short to sign with
        print(f"cannot sign the operator token: {exc}", file=err)
        return 2
    try:
        with httpx.Client(transport=transport, timeout=30.0) as client:
            response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    except httpx.ConnectError:
        print(
            f"the pipeline service is not running at {pipeline_url}; "
            "start the services with `ticketflow up`",
            file=err,
        )
        return 2
    except httpx.TransportError as exc:
        print(f"POST {url} failed: {type(exc).__name__}: {exc}", file=err)
        return 2
    if not response.is_success:
        print(f"POST {url} -> {response.status_code}\n{response.text}", file=err)
        return 1
    print(json.dumps(response.json(), indent=2), file=out)
    return 0
