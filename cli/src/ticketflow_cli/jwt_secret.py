"""The JWT secret of a local install: `ticketflow up` generates it into the var dir on first
start and reuses it; the commands that sign tokens read it from there. TICKETFLOW_JWT_SECRET,
when set, wins (and is never written to disk).

    secret = secret_for_up(env, var_dir(env))  # generated once, then the same on every start
    secret = secret_for_signing(env)           # JwtSecretMissing when there is none yet
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from ticketflow_chassis.settings import MIN_SECRET_BYTES

SECRET_VARIABLE = "TICKETFLOW_JWT_SECRET"
SECRET_FILE = "jwt-secret"


class JwtSecretMissing(Exception):
    """No secret is configured or kept in the var dir; the message says how to get one."""


def var_dir(env: Mapping[str, str]) -> Path:
    """TICKETFLOW_VAR_DIR, else ./var: where `up` keeps the services' data and the secret."""
    return Path(env.get("TICKETFLOW_VAR_DIR") or "var")


def secret_for_up(env: Mapping[str, str], directory: Path) -> str:
    """TICKETFLOW_JWT_SECRET, else the one kept in `directory`, generated on the first start."""
    configured = env.get(SECRET_VARIABLE)
    if configured:
        return configured
    path = directory / SECRET_FILE
    directory.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL with mode 0600: the file is never readable by others, not even for a moment.
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _kept_secret(path)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    return secret


def secret_for_signing(env: Mapping[str, str]) -> str:
    """The secret the services check: PIPELINE_JWT_SECRET or TICKETFLOW_JWT_SECRET, else the
    one `ticketflow up` keeps in the var dir."""
    configured = env.get("PIPELINE_JWT_SECRET") or env.get(SECRET_VARIABLE)
    if configured:
        return configured
    path = var_dir(env) / SECRET_FILE
    try:
        return _kept_secret(path)
    except FileNotFoundError:
        raise JwtSecretMissing(
            f"no JWT secret to sign with: set {SECRET_VARIABLE}, or start the services once "
            f"with `ticketflow up` (it keeps one in {path})"
        ) from None


def _kept_secret(path: Path) -> str:
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise JwtSecretMissing(
            f"{path} holds no usable JWT secret (under {MIN_SECRET_BYTES} bytes); delete it and "
            f"start `ticketflow up` again to generate one, or set {SECRET_VARIABLE}"
        )
    return secret
