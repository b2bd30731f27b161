"""Bytes to text when labels lie: the declared charset, then UTF-8, then windows-1252."""

from __future__ import annotations

import codecs


def decode_text(payload: bytes, declared: str | None) -> tuple[str, str | None]:
    """Returns the text and, when the declared charset did not fit, a problem naming it.

    >>> decode_text("caf\\u00e9".encode("utf-8"), "iso-8859-1")
    ('café', 'declared charset iso-8859-1 does not fit; read as utf-8')
    """
    label = (declared or "").strip().lower()
    codec = _codec_name(label) if label else None
    problem: str | None = f"unknown charset {label}" if label and codec is None else None
    if codec == "iso8859-1":
        return _decode_latin1_label(payload, label)
    if codec is not None:
        try:
            return payload.decode(codec), None
        except UnicodeDecodeError:
            problem = f"declared charset {label} does not fit"
    try:
        return payload.decode("utf-8"), f"{problem}; read as utf-8" if problem else None
    except UnicodeDecodeError:
        text = payload.decode("cp1252", errors="replace")
        return text, f"{problem or 'undeclared 8-bit text'}; read as windows-1252"


def repair_header(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; read them as UTF-8 or windows-1252."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    text, _ = decode_text(value.encode("utf-8", errors="surrogateescape"), None)
    return text


def _decode_latin1_label(payload: bytes, label: str) -> tuple[str, str | None]:
    # UTF-8 labelled latin-1 is common, and real latin-1 text is almost never valid UTF-8.
    # Past that, read the label as windows-1252, as browsers do (WHATWG Encoding): Windows
    # clients label curly quotes and the euro sign (0x80-0x9f) as iso-8859-1.
    if any(byte >= 0x80 for byte in payload):
        try:
            return payload.decode("utf-8"), f"declared charset {label} does not fit; read as utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return payload.decode("cp1252"), None
    except UnicodeDecodeError:
        return payload.decode("latin-1"), None


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
