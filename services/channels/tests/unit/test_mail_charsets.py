"""Charset fallback: the declared charset, then UTF-8, then windows-1252, each miss named."""

from __future__ import annotations

from ticketflow_channels.domain.mail.charsets import decode_text, repair_header


def test_declared_charset_that_fits_is_used_without_a_problem() -> None:
    assert decode_text("Grüße".encode("iso-8859-15"), "iso-8859-15") == ("Grüße", None)


def test_latin1_label_reads_windows_1252_curly_quotes() -> None:
    raw = "\u201cthanks\u201d \u2013 \u20ac5".encode("cp1252")
    assert decode_text(raw, "iso-8859-1") == ("\u201cthanks\u201d \u2013 \u20ac5", None)


def test_utf8_mislabelled_as_latin1_is_read_as_utf8_and_named() -> None:
    text, problem = decode_text("café".encode(), "ISO-8859-1")
    assert text == "café"
    assert problem == "declared charset iso-8859-1 does not fit; read as utf-8"


def test_latin1_mislabelled_as_utf8_falls_back_to_windows_1252() -> None:
    text, problem = decode_text("café".encode("latin-1"), "utf-8")
    assert text == "café"
    assert problem == "declared charset utf-8 does not fit; read as windows-1252"


def test_unknown_charset_falls_back_and_is_named() -> None:
    text, problem = decode_text("naïve".encode(), "x-unknown-8")
    assert text == "naïve"
    assert problem == "unknown charset x-unknown-8; read as utf-8"


def test_unreadable_bytes_are_replaced_never_raised() -> None:
    text, problem = decode_text(b"ok \x81\x8d", "us-ascii")
    assert text.startswith("ok ")
    assert problem == "declared charset us-ascii does not fit; read as windows-1252"


def test_unlabelled_utf8_is_not_a_problem() -> None:
    assert decode_text("Grüße".encode(), None) == ("Grüße", None)


def test_raw_8bit_header_bytes_are_repaired() -> None:
    escaped = "Caf\udce9".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    assert repair_header(escaped) == "Café"
