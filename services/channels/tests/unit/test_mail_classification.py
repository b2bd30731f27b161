"""Classification order and signals: bounce, auto-reply, forward, reply, new."""

from __future__ import annotations

import pytest

from ticketflow_channels.domain.mail import (
    Attachment,
    MailAddress,
    MailKind,
    ParsedEmail,
    classify,
)

CUSTOMER = MailAddress("ann@example.org", "Ann")
ATTACHED_MESSAGE = Attachment("order.eml", "message/rfc822", 10, "0" * 64, is_message=True)


@pytest.mark.parametrize(
    ("mail", "kind", "signal"),
    [
        (
            ParsedEmail(CUSTOMER, content_type="multipart/report", report_type="delivery-status"),
            MailKind.BOUNCE,
            "content-type: multipart/report; report-type=delivery-status",
        ),
        (
            ParsedEmail(MailAddress("mailer-daemon@mx.example")),
            MailKind.BOUNCE,
            "from: mailer-daemon",
        ),
        (
            ParsedEmail(CUSTOMER, signal_headers={"auto-submitted": "auto-replied"}),
            MailKind.AUTO_REPLY,
            "auto-submitted: auto-replied",
        ),
        (ParsedEmail(CUSTOMER, signal_headers={"auto-submitted": "no"}), MailKind.NEW, ""),
        (
            ParsedEmail(CUSTOMER, signal_headers={"precedence": "Junk"}),
            MailKind.AUTO_REPLY,
            "precedence: junk",
        ),
        (ParsedEmail(CUSTOMER, signal_headers={"precedence": "first-class"}), MailKind.NEW, ""),
        (
            ParsedEmail(CUSTOMER, signal_headers={"return-path": "<>"}),
            MailKind.BOUNCE,
            "return-path: <>",
        ),
        (ParsedEmail(CUSTOMER, subject="fWd: order"), MailKind.FORWARD, "subject: fWd:"),
        (
            ParsedEmail(CUSTOMER, attachments=(ATTACHED_MESSAGE,)),
            MailKind.FORWARD,
            "attachment: message/rfc822",
        ),
        (ParsedEmail(CUSTOMER, subject="Aw: Rechnung"), MailKind.REPLY, "subject: Aw:"),
        (ParsedEmail(CUSTOMER, subject="Re : Devis"), MailKind.REPLY, "subject: Re:"),
        (ParsedEmail(CUSTOMER, subject="Rebooting"), MailKind.NEW, ""),
    ],
)
def test_the_first_signal_in_order_decides(mail: ParsedEmail, kind: MailKind, signal: str) -> None:
    assert (classify(mail).kind, classify(mail).signal) == (kind, signal)


def test_a_bounce_that_is_also_auto_submitted_is_a_bounce() -> None:
    mail = ParsedEmail(
        MailAddress("mailer-daemon@mx.example"), signal_headers={"auto-submitted": "auto-replied"}
    )
    assert classify(mail).kind is MailKind.BOUNCE


def test_an_auto_reply_sent_with_a_null_return_path_is_an_auto_reply() -> None:
    mail = ParsedEmail(CUSTOMER, signal_headers={"return-path": "<>", "x-autoreply": "yes"})
    assert classify(mail).kind is MailKind.AUTO_REPLY


def test_a_forward_of_a_reply_is_a_forward() -> None:
    mail = ParsedEmail(CUSTOMER, subject="Fwd: Re: order", in_reply_to="<a@b>")
    assert classify(mail).kind is MailKind.FORWARD
