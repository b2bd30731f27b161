"""`ticketflow account create`: open an account through the pipeline service's admin API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

import httpx

from ticketflow_cli.operator_api import post_as_operator


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
    body = {"name": name, "tier": tier, "admin_email": admin_email}
    return post_as_operator(
        "/admin/v1/accounts",
        body,
        pipeline_url=pipeline_url,
        env=env,
        out=out,
        err=err,
        transport=transport,
    )
