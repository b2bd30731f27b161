"""What intake reads of a raw email before it stores it: that it starts with a header line,
and the addresses it was delivered or written to (to find the inbox it is for when the
HTTP caller does not name one). The full parsing is ingestion's."""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

# RFC 5322 2.2: a field name is printable US-ASCII but the colon, then the colon.
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
# Delivered-To first: it names the mailbox the message actually reached, where To and Cc
# may list several of the account's inboxes.
RECIPIENT_HEADERS = ("Delivered-To", "To", "Cc")


def starts_with_header(raw: bytes) -> bool:
    return _HEADER_LINE.match(raw) is not None


def addressed_to(raw: bytes) -> list[str]:
    """The addresses of the Delivered-To, To and Cc headers, in that order, each once.

    addressed_to(b"To: Help <help@acme.test>, ops@acme.test\\r\\n\\r\\nHi")
    # ['help@acme.test', 'ops@acme.test']"""
    end = _END_OF_HEADERS.search(raw)
    header_section = raw[: end.end()] if end else raw  # the body may be megabytes: not parsed
    headers = BytesHeaderParser(policy=compat32).parsebytes(header_section)
    found: list[str] = []
    for name in RECIPIENT_HEADERS:
        values = [str(value) for value in headers.get_all(name, [])]
        for _, address in getaddresses(values):
            if "@" in address and address not in found:
                found.append(address)
    return found
