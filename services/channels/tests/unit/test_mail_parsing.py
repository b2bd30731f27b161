"""Parsing never crashes: damaged input yields problems or one UnparsableEmail."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from ticketflow_channels.domain.mail import UnparsableEmail, parse_email

CORPUS = Path(__file__).parent.parent / "corpus"
SAMPLES = sorted(CORPUS.glob("*.eml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_truncated_or_corrupted_mail_never_raises_anything_else(path: Path) -> None:
    raw = path.read_bytes()
    damaged = [raw[:cut] for cut in range(0, len(raw), max(1, len(raw) // 25))]
    damaged += [bytes(byte ^ 0xA5 if index % 37 == 0 else byte for index, byte in enumerate(raw))]
    for sample in damaged:
        with contextlib.suppress(UnparsableEmail):
            parse_email(sample)


def test_headers_are_read_into_the_result() -> None:
    mail = parse_email(
        b'From: Ann <ANN@Example.org>\r\nTo: a@x.org, "B, C" <b@x.org>\r\nCc: c@x.org\r\n'
        b"Reply-To: help@example.org\r\nSubject: Hi\r\nDate: Mon, 2 Mar 2026 10:04:12 +0100\r\n"
        b"Message-ID: <m1@x>\r\nIn-Reply-To: <m0@x> (the first)\r\n"
        b"References: <r1@x>\r\n <m0@x>\r\n"
        b"\r\nHello\r\n"
    )
    assert (mail.sender.address, mail.sender.name) == ("ann@example.org", "Ann")
    assert [item.address for item in mail.to] == ["a@x.org", "b@x.org"]
    assert mail.to[1].name == "B, C"
    assert [item.address for item in mail.cc + mail.reply_to] == ["c@x.org", "help@example.org"]
    assert (mail.message_id, mail.in_reply_to, mail.references) == (
        "<m1@x>",
        "<m0@x>",
        ("<r1@x>", "<m0@x>"),
    )
    assert mail.date is not None
    assert mail.date.isoformat() == "2026-03-02T10:04:12+01:00"
    assert mail.text == "Hello\n"
    assert mail.problems == ()


def test_text_from_html_is_only_derived_without_a_plain_part() -> None:
    mail = parse_email(b"From: a@x.org\nContent-Type: text/html\n\n<p>One</p><p>Two</p>")
    assert (mail.text_body, mail.text_from_html, mail.text) == ("", "One\nTwo", "One\nTwo")
