"""The new text of a reply, separated from the quoted history under it (Gmail, Outlook,
Apple Mail, Thunderbird; English, French and German headers; `>`-quoted lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that opens the quoted history by itself.
_OPENING_LINES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^>",
        r"^on\b.{4,}\bwrote\s*:$",  # Gmail, Apple Mail, Thunderbird
        r"^le\b.{4,}\ba [ée]crit\s*:$",
        r"^am\b.{4,}\bschrieb\b.*:$",
        r"^-{2,}\s*(original message|message d'origine|urspr[üu]ngliche nachricht)\s*-{2,}$",
        r"^-{2,}\s*(forwarded message|message transf[ée]r[ée]|weitergeleitete nachricht)\s*-{2,}$",
        r"^begin forwarded message\s*:$",
        r"^d[ée]but du message r[ée]exp[ée]di[ée]\s*:$",
        r"^anfang der weitergeleiteten nachricht\s*:$",
    )
]
# Outlook's header block: "From:" then, within a few lines, "Sent:" (or Date:/Envoyé :/...).
_BLOCK_FROM = re.compile(r"^\*?(from|de|von)\s?:\*?\s", re.IGNORECASE)
_BLOCK_SENT = re.compile(r"^\*?(sent|date|envoy[ée]|gesendet|datum)\s?:\*?\s", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^_{10,}$")


@dataclass(frozen=True)
class ReplyText:
    new_text: str
    quoted: str
    full: str


def split_reply(body: str) -> ReplyText:
    """Split a plain-text body at the first line that opens the quoted history.

    >>> split_reply("Thanks!\\n\\nOn Mon, 2 Mar 2026, Ann <a@x.org> wrote:\\n> Hi").new_text
    'Thanks!'
    """
    lines = body.replace("\r\n", "\n").split("\n")
    cut = _history_start(lines)
    return ReplyText(
        new_text="\n".join(lines[:cut]).strip(),
        quoted="\n".join(lines[cut:]).strip(),
        full=body,
    )


def _history_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        stripped = line.strip()
        # Gmail and Apple Mail wrap a long "On ... wrote:" line; read it with the next.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(pattern.match(stripped) or pattern.match(joined) for pattern in _OPENING_LINES):
            return index
        if _BLOCK_FROM.match(stripped) and _sent_follows(lines, index):
            return index - 1 if index and _UNDERSCORES.match(lines[index - 1].strip()) else index
    return len(lines)


def _sent_follows(lines: list[str], index: int) -> bool:
    return any(_BLOCK_SENT.match(line.strip()) for line in lines[index + 1 : index + 5])
