"""Which characters a name or label may not hold: one rule for the chassis (NUL anywhere in a
request) and the services' domains (labels, names).

    forbidden_control_characters("Support\\u202e")  # ['U+202E']
"""

from __future__ import annotations

import re

NUL = "\x00"
# C0 controls except tab, newline and carriage return (folded like spaces where labels are
# cleaned); the bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069, which
# make a label read differently from what it holds ("Trojan Source").
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def forbidden_control_characters(text: str) -> list[str]:
    """The forbidden characters `text` holds, as `U+XXXX` in order of first appearance
    (empty when none): what an error message may name without echoing them."""
    found = dict.fromkeys(_FORBIDDEN.findall(text))
    return [f"U+{ord(char):04X}" for char in found]


def has_forbidden_control_characters(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None
