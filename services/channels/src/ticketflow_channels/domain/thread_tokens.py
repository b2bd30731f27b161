"""Thread tokens: what keeps a thread together when a client drops In-Reply-To/References.

Every conversation has a token (`T-` and 10 base32 characters). Outbound mail carries it in
the subject (`Re: Printer on fire [#T-ABCDEFGH23]`) and in a plus-address of its Reply-To
(`support+T-ABCDEFGH23@example.com`); a reply brings it back in its subject or in the
address it was sent to. Tokens compare without case: mail servers may fold local parts.

    subject_with_token("Printer on fire", "T-ABCDEFGH23")  # 'Printer on fire [#T-ABCDEFGH23]'
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable

_TOKEN_PART = re.compile(r"\+T-[A-Z2-7]{10}$", re.IGNORECASE)
_SUBJECT_TOKEN = re.compile(r"\[#(T-[A-Z2-7]{10})\]", re.IGNORECASE)
_PLUS_TOKEN = re.compile(r"^[^@]+?\+(T-[A-Z2-7]{10})@", re.IGNORECASE)


def new_thread_token() -> str:
    return "T-" + base64.b32encode(secrets.token_bytes(10)).decode()[:10]


def token_in_subject(subject: str) -> str | None:
    found = _SUBJECT_TOKEN.search(subject)
    return found.group(1).upper() if found else None


def token_in_addresses(addresses: Iterable[str]) -> str | None:
    """The token of the first plus-address that holds one."""
    for address in addresses:
        found = _PLUS_TOKEN.match(address.strip())
        if found:
            return found.group(1).upper()
    return None


def subject_with_token(subject: str, token: str) -> str:
    """The subject with the token once at its end (an earlier one of any case removed)."""
    bare = " ".join(_SUBJECT_TOKEN.sub("", subject).split())
    return f"{bare} [#{token}]" if bare else f"[#{token}]"


def plus_address(address: str, token: str) -> str:
    """`support@example.com` -> `support+T-ABCDEFGH23@example.com`; an inbox connected with
    a plus part keeps it: `help+sales@x.org` -> `help+sales+T-ABCDEFGH23@x.org`."""
    local, _, domain = without_token(address).partition("@")
    return f"{local}+{token}@{domain}"


def without_token(address: str) -> str:
    """The address with our token's plus part removed (any other plus part kept)."""
    local, _, domain = address.strip().partition("@")
    return f"{_TOKEN_PART.sub('', local)}@{domain}"


def base_address(address: str) -> str:
    """The address without its plus part, lower-cased: how a recipient finds its connection."""
    local, _, domain = address.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
