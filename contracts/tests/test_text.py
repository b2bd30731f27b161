"""The forbidden-characters rule every label and name check shares."""

from __future__ import annotations

import pytest

from ticketflow_contracts import forbidden_control_characters, has_forbidden_control_characters


@pytest.mark.parametrize(
    "text", ["Support", "two\tcolumns", "two\nlines", "crlf\r\n", "Café ünïcode ✓", ""]
)
def test_ordinary_text_tabs_and_line_breaks_are_allowed(text: str) -> None:
    assert not has_forbidden_control_characters(text)
    assert forbidden_control_characters(text) == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("nul\x00", ["U+0000"]),
        ("\x01bell\x07\x07", ["U+0001", "U+0007"]),
        ("esc\x1b[31m", ["U+001B"]),
        ("unit\x1fsep", ["U+001F"]),
        ("abc\u202edcba", ["U+202E"]),
        ("\u202a\u2066x\u2069", ["U+202A", "U+2066", "U+2069"]),
    ],
)
def test_other_c0_controls_and_bidi_overrides_are_named(text: str, named: list[str]) -> None:
    assert has_forbidden_control_characters(text)
    assert forbidden_control_characters(text) == named
