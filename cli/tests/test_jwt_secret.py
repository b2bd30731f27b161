"""The local install's JWT secret: `ticketflow up` makes it once (mode 0600) and reuses it, the
environment's wins, and `ticketflow account create` signs with the same one."""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ticketflow_chassis.auth import Role, TokenCodec
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_cli.accounts import create_account
from ticketflow_cli.jwt_secret import SECRET_FILE, secret_for_up, var_dir


def test_the_first_start_keeps_a_random_secret_readable_by_its_owner_only(tmp_path: Path) -> None:
    secret = secret_for_up({}, tmp_path / "var")

    kept = tmp_path / "var" / SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text().strip() == secret
    assert len(secret.encode()) >= 32
    assert secret != secret_for_up({}, tmp_path / "other-var")


def test_later_starts_reuse_the_kept_secret(tmp_path: Path) -> None:
    first = secret_for_up({}, tmp_path)

    assert secret_for_up({}, tmp_path) == first


def test_the_environment_secret_wins_and_is_not_written(tmp_path: Path) -> None:
    env = {"TICKETFLOW_JWT_SECRET": TEST_JWT_SECRET}

    assert secret_for_up(env, tmp_path) == TEST_JWT_SECRET
    assert not (tmp_path / SECRET_FILE).exists()


def test_up_and_account_create_share_one_var_dir() -> None:
    assert var_dir({}) == Path("var")
    assert var_dir({"TICKETFLOW_VAR_DIR": "/srv/ticketflow"}) == Path("/srv/ticketflow")


def pipeline_answering(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "acc-1", "token": "t"})

    return httpx.MockTransport(answer)


def test_account_create_signs_with_the_secret_up_keeps(tmp_path: Path) -> None:
    kept = secret_for_up({}, tmp_path)
    seen: list[httpx.Request] = []

    code = create_account(
        "Acme",
        "professional",
        "ada@acme.test",
        pipeline_url="http://pipeline.test",
        env={"TICKETFLOW_VAR_DIR": str(tmp_path)},
        out=io.StringIO(),
        transport=pipeline_answering(seen),
    )

    assert code == 0
    token = seen[0].headers["Authorization"].removeprefix("Bearer ")
    operator = TokenCodec(kept, "ticketflow").decode(token, now=datetime.now(UTC))
    assert operator.roles == frozenset({Role.OPERATOR})
    assert json.loads(seen[0].content)["name"] == "Acme"


def test_account_create_without_a_secret_says_how_to_get_one(tmp_path: Path) -> None:
    err = io.StringIO()
    seen: list[httpx.Request] = []

    code = create_account(
        "Acme",
        "professional",
        "ada@acme.test",
        pipeline_url="http://pipeline.test",
        env={"TICKETFLOW_VAR_DIR": str(tmp_path)},
        err=err,
        transport=pipeline_answering(seen),
    )

    assert code == 2
    assert seen == []
    message = err.getvalue()
    assert message.count("\n") == 1
    assert "TICKETFLOW_JWT_SECRET" in message
    assert "`ticketflow up`" in message
