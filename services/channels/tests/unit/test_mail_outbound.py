"""Outbound email as we write it: our Message-ID, In-Reply-To and References to the thread,
the token in the subject and in the Reply-To plus-address, Auto-Submitted only on what
automation sends, the text with an HTML alternative."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

from ticketflow_channels.domain.mail.outbound import (
    MAX_REFERENCES,
    MailParty,
    OutboundEmail,
    mime_message,
    new_message_id,
    reply_subject,
    thread_references,
)

TOKEN = "T-ABCDEFGH23"
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def outbound(**changes: object) -> OutboundEmail:
    fields: dict[str, object] = {
        "message_id": "abc123@acme.test",
        "sender": MailParty("help@acme.test"),
        "recipients": (MailParty("ada@example.org", "Ada Lovelace"),),
        "reply_to": f"help+{TOKEN}@acme.test",
        "subject": f"Re: Printer on fire [#{TOKEN}]",
        "date": AT,
        "text": "We are on it.",
        "in_reply_to": "in-1@example.org",
        "references": ("root@example.org", "in-1@example.org"),
    }
    return OutboundEmail(**(fields | changes))  # type: ignore[arg-type]


def read_back(mail: OutboundEmail) -> email.message.EmailMessage:
    """As a receiver reads the bytes we send."""
    raw = mime_message(mail).as_bytes()
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_a_message_id_of_our_own_in_the_domain_of_our_address() -> None:
    assert new_message_id("0f1e2d", "Help@Acme.Test") == "0f1e2d@acme.test"


def test_the_headers_thread_the_reply_and_carry_the_token() -> None:
    message = read_back(outbound())

    assert message["Message-ID"] == "<abc123@acme.test>"
    assert message["In-Reply-To"] == "<in-1@example.org>"
    assert message["References"] == "<root@example.org> <in-1@example.org>"
    assert message["Reply-To"].addresses[0].addr_spec == f"help+{TOKEN}@acme.test"
    assert message["Subject"] == f"Re: Printer on fire [#{TOKEN}]"
    assert message["From"].addresses[0].addr_spec == "help@acme.test"
    assert str(message["To"]) == "Ada Lovelace <ada@example.org>"
    assert message["Date"].datetime == AT


def test_a_first_message_has_no_threading_headers() -> None:
    message = read_back(outbound(in_reply_to="", references=()))
    assert "In-Reply-To" not in message
    assert "References" not in message


def test_auto_submitted_only_on_what_automation_sends() -> None:
    automated = read_back(outbound(automated=True))
    by_an_agent = read_back(outbound())

    assert automated["Auto-Submitted"] == "auto-generated"
    assert automated["X-Auto-Response-Suppress"] == "All"
    assert "Auto-Submitted" not in by_an_agent


def test_text_alone_is_text_plain() -> None:
    message = read_back(outbound())
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "We are on it."


def test_text_and_html_are_alternatives_html_last() -> None:
    message = read_back(outbound(html="<p>We are <b>on it</b>.</p>"))

    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    html = message.get_body(("html",))
    assert html is not None
    assert "<b>on it</b>" in html.get_content()


def test_non_ascii_names_subjects_and_text_are_encoded() -> None:
    message = read_back(
        outbound(
            recipients=(MailParty("zoe@example.org", "Zoë Ünal"),),
            subject=f"Drucker brennt, Grüße [#{TOKEN}]",
            text="Schöne Grüße",
        )
    )
    assert message["To"].addresses[0].display_name == "Zoë Ünal"
    assert message["Subject"] == f"Drucker brennt, Grüße [#{TOKEN}]"
    assert message.get_content().strip() == "Schöne Grüße"


def test_a_line_break_in_a_subject_never_becomes_a_header() -> None:
    message = read_back(outbound(subject="Hi\r\nBcc: eve@example.org"))
    assert message["Subject"] == "Hi Bcc: eve@example.org"
    assert "Bcc" not in message


def test_references_are_the_parents_and_the_parent_each_once_bounded() -> None:
    assert thread_references("<p@x>", ["<r1@x>", "r2@x", "<p@x>"]) == ("r1@x", "r2@x", "p@x")

    long = thread_references("p@x", [f"r{i}@x" for i in range(50)])
    assert len(long) == MAX_REFERENCES
    assert long[0] == "r0@x"  # the thread's first message stays
    assert long[-2:] == ("r49@x", "p@x")


def test_the_default_subject_is_re_the_conversation_once_with_the_token() -> None:
    assert reply_subject(None, "Printer on fire", TOKEN) == f"Re: Printer on fire [#{TOKEN}]"
    assert reply_subject(None, "RE: Re: Printer on fire", TOKEN) == (
        f"Re: Printer on fire [#{TOKEN}]"
    )
    assert reply_subject(None, f"Re: Printer [#{TOKEN.lower()}] on fire", TOKEN) == (
        f"Re: Printer on fire [#{TOKEN}]"
    )
    assert reply_subject("  ", "", TOKEN) == f"[#{TOKEN}]"


def test_a_subject_asked_for_is_kept_with_the_token() -> None:
    assert reply_subject("Your invoice", "Printer on fire", TOKEN) == f"Your invoice [#{TOKEN}]"
