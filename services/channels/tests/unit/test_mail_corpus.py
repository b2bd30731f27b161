"""The corpus (tests/corpus/*.eml) read end to end: parse, split the reply, classify, each
checked against corpus/expected.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ticketflow_channels.domain.mail import UnparsableEmail, classify, parse_email, split_reply

CORPUS = Path(__file__).parent.parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)


def test_every_corpus_email_has_an_expectation() -> None:
    assert sorted(path.stem for path in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_email_reads_as_expected(name: str) -> None:
    expected = EXPECTED[name]
    raw = (CORPUS / f"{name}.eml").read_bytes()
    if "error" in expected:
        with pytest.raises(UnparsableEmail, match=expected["error"]):
            parse_email(raw)
        return

    mail = parse_email(raw)
    verdict = classify(mail)

    assert mail.sender.address == expected["sender"]
    assert mail.sender.name == expected.get("display_name", mail.sender.name)
    assert mail.subject == expected["subject"]
    assert split_reply(mail.text).new_text.startswith(expected["reply_start"])
    assert len(mail.attachments) == expected["attachments"]
    assert (verdict.kind, verdict.signal) == (expected["kind"], expected["signal"])
    _assert_problems(mail.problems, expected["problems"])
    for attachment, (filename, content_type, size, inline) in zip(
        mail.attachments, expected.get("files", []), strict=False
    ):
        assert (attachment.filename, attachment.content_type) == (filename, content_type)
        assert attachment.size == (size if size is not None else attachment.size)
        assert attachment.inline is inline
        assert len(attachment.sha256) == 64


def _assert_problems(found: tuple[str, ...], expected: list[str]) -> None:
    if not expected:
        assert found == ()
    for fragment in expected:
        assert any(fragment in problem for problem in found), (fragment, found)
