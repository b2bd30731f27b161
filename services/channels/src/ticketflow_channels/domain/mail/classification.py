"""What kind of message an email is, from what it says about itself (no thread lookups),
and the one signal that decided it. Order: bounce, auto-reply, forward, reply, new."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ticketflow_channels.domain.mail.message import ParsedEmail

_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|tr|wg|rv|enc)\s*:", re.IGNORECASE)
_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|r[ée]f|sv|antw)\s*:", re.IGNORECASE)
_FORWARD_BLOCK = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|message transf[ée]r[ée]|weitergeleitete nachricht)"
    r"\s*-{2,}|begin forwarded message\s*:|d[ée]but du message r[ée]exp[ée]di[ée]\s*:"
    r"|anfang der weitergeleiteten nachricht\s*:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


class MailKind(StrEnum):
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    FORWARD = "forward"
    REPLY = "reply"
    NEW = "new"


@dataclass(frozen=True)
class Classification:
    kind: MailKind
    signal: str  # e.g. "auto-submitted: auto-replied", "subject: Fwd:"; "" for NEW


def classify(mail: ParsedEmail) -> Classification:
    for kind, signal in (
        (MailKind.BOUNCE, _strong_bounce_signal(mail)),
        (MailKind.AUTO_REPLY, _auto_reply_signal(mail)),
        (MailKind.BOUNCE, _null_return_path_signal(mail)),
        (MailKind.FORWARD, _forward_signal(mail)),
        (MailKind.REPLY, _reply_signal(mail)),
    ):
        if signal:
            return Classification(kind, signal)
    return Classification(MailKind.NEW, "")


def _strong_bounce_signal(mail: ParsedEmail) -> str:
    if mail.content_type == "multipart/report" and mail.report_type == "delivery-status":
        return "content-type: multipart/report; report-type=delivery-status"
    if mail.sender.address.startswith(_BOUNCE_SENDERS):
        return f"from: {mail.sender.address.split('@')[0]}"
    return ""


def _auto_reply_signal(mail: ParsedEmail) -> str:
    headers = mail.signal_headers
    submitted = headers.get("auto-submitted", "").lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return f"auto-submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if name in headers:
            return name
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"precedence: {precedence}"
    return ""


def _null_return_path_signal(mail: ParsedEmail) -> str:
    return "return-path: <>" if mail.signal_headers.get("return-path") == "<>" else ""


def _forward_signal(mail: ParsedEmail) -> str:
    if prefix := _FORWARD_SUBJECT.match(mail.subject):
        return f"subject: {prefix.group(1)}:"
    if _FORWARD_BLOCK.search(mail.text):
        return "body: forwarded message block"
    if mail.attached_messages:
        return "attachment: message/rfc822"
    return ""


def _reply_signal(mail: ParsedEmail) -> str:
    if prefix := _REPLY_SUBJECT.match(mail.subject):
        return f"subject: {prefix.group(1)}:"
    if mail.in_reply_to:
        return "in-reply-to"
    if mail.references:
        return "references"
    return ""
