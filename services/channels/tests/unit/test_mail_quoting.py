"""Reply splitting: the new text above the history, whatever the client or language."""

from __future__ import annotations

import pytest

from ticketflow_channels.domain.mail.quoting import split_reply

HISTORIES = {
    "gmail": "On Mon, 2 Mar 2026 at 10:04, Ann Lee <ann@example.org> wrote:\n> Hello",
    "gmail wrapped": "On Mon, 2 Mar 2026 at 10:04, Ann Lee <\nann@example.org> wrote:\n> Hello",
    "apple mail": "On 2 Mar 2026, at 10:04, Ann Lee <ann@example.org> wrote:\n\n> Hello",
    "thunderbird": "On 02/03/2026 10:04, Ann Lee wrote:\n> Hello",
    "outlook separator": "-----Original Message-----\nFrom: Ann\nSent: Monday\n\nHello",
    "outlook block": "________________________________\nFrom: Ann Lee <ann@example.org>\n"
    "Sent: Monday, March 2, 2026 10:04 AM\nTo: Support\nSubject: Help\n\nHello",
    "outlook bold": "*From:* Ann Lee\n*Sent:* Monday\n*Subject:* Help\n\nHello",
    "quoted lines": "> Hello\n> there",
    "french gmail": "Le lun. 2 mars 2026 à 10:04, Ann Lee <ann@example.org> a écrit :\n> Bonjour",
    "french outlook": "De : Ann Lee <ann@example.org>\nEnvoyé : lundi 2 mars 2026 10:04\n"
    "À : Support\nObjet : Aide\n\nBonjour",
    "french separator": "-----Message d'origine-----\nDe : Ann\nEnvoyé : lundi",
    "german gmail": "Am Mo., 2. März 2026 um 10:04 Uhr schrieb Ann Lee <ann@example.org>:\n> Hallo",
    "german outlook": "Von: Ann Lee <ann@example.org>\nGesendet: Montag, 2. März 2026 10:04\n"
    "An: Support\nBetreff: Hilfe\n\nHallo",
    "german separator": "-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Montag",
    "gmail forward": "---------- Forwarded message ---------\nFrom: Ann <ann@example.org>",
    "apple forward": "Begin forwarded message:\n\nFrom: Ann <ann@example.org>",
}


@pytest.mark.parametrize("history", HISTORIES.values(), ids=HISTORIES.keys())
def test_new_text_stops_where_the_history_starts(history: str) -> None:
    reply = split_reply(f"Thanks, that fixed it.\n\nBest,\nBob\n\n{history}")
    assert reply.new_text == "Thanks, that fixed it.\n\nBest,\nBob"
    assert reply.quoted == history.strip()


def test_a_body_without_history_is_all_new_text() -> None:
    reply = split_reply("From: the support team, with thanks.\nWe were wondering...\n")
    assert reply.new_text == "From: the support team, with thanks.\nWe were wondering..."
    assert reply.quoted == ""


def test_the_full_body_is_kept() -> None:
    body = "Yes.\n\nOn Mon, Ann wrote:\n> Is it fixed?"
    assert split_reply(body).full == body


def test_windows_line_endings_are_read() -> None:
    assert split_reply("Yes.\r\n\r\n> Is it fixed?").new_text == "Yes."
