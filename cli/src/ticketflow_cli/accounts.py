"""`ticketflow account create`: open an account through the pipeline service's admin API."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

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


def create_account(
    name: str,
    tier: str,
    admin_email: str,
    *,
    pipeline_url: str,
    env: Mapping[str, str],
    out: TextIO | None = None,
    err: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """0 with the new account (id, admin token) on `out`; 1 when refused; 2 when unreachable."""
    out, err = out or sys.stdout, err or sys.stderr
    url = f"{pipeline_url.rstrip('/')}/admin/v1/accounts"
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
            response = client.post(
                url,
                json={"name": name, "tier": tier, "admin_email": admin_email},
                headers={"Authorization": f"Bearer {token}"},
            )
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
