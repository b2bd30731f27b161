"""`ticketflow token create`: an API token for a user of an account, through the pipeline
service's operator API (the same token a super admin gets from `/settings/v1/users/{id}/tokens`:
listed there, revocable there)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

import httpx

from ticketflow_cli.operator_api import post_as_operator


def create_token(
    account_id: str,
    user_id: str,
    name: str,
    *,
    pipeline_url: str,
    env: Mapping[str, str],
    out: TextIO | None = None,
    err: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """0 with the token (id, name, dates, `token`) on `out`; 1 when refused; 2 when unreachable."""
    return post_as_operator(
        f"/admin/v1/accounts/{account_id}/users/{user_id}/tokens",
        {"name": name},
        pipeline_url=pipeline_url,
        env=env,
        out=out,
        err=err,
        transport=transport,
    )
