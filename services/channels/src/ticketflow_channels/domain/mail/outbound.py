"""Outbound email as we write it: our own Message-ID, In-Reply-To and References to the thread,
the thread token in the subject and in a plus-address Reply-To, `Auto-Submitted:
auto-generated` on what automation sends (RFC 3834), the text with an HTML alternative.
Pure: ids, times and addresses come in.

Message-IDs are kept bare (`abc@example.com`, as events carry them) and bracketed only in
headers (`<abc@example.com>`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from ticketflow_channels.domain.thread_tokens import subject_with_token

# RFC 5322 3.6.4 lets References grow with the thread; long ones are trimmed by clients
# anyway. We keep the thread's first id and the latest ones.
MAX_REFERENCES = 20
_REPLY_PREFIX = re.compile(r"^(?:(?:re|aw|sv|antw)\s*:\s*)+", re.IGNORECASE)


def bare_id(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def bracketed(message_id: str) -> str:
    return f"<{bare_id(message_id)}>"


def new_message_id(unique: str, from_address: str) -> str:
    """`<unique>@<the domain of our From address>`, bare."""
    domain = from_address.rpartition("@")[2].strip().lower() or "localhost"
    return f"{unique}@{domain}"


def thread_references(parent_id: str, parent_references: Sequence[str]) -> tuple[str, ...]:
    """What a reply to `parent_id` carries in References: the parent's References and the
    parent, bare, each once, at most MAX_REFERENCES (the first one and the latest ones)."""
    ids: list[str] = []
    for found in (*parent_references, parent_id):
        bare = bare_id(found)
        if bare and bare not in ids:
            ids.append(bare)
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return tuple(ids)


def one_line(text: str) -> str:
    """A header value: runs of whitespace, line breaks included, folded to one space."""
    return " ".join(text.split())


def reply_subject(requested: str | None, conversation_subject: str, token: str) -> str:
    """The subject asked for, or `Re: <the conversation's subject>` (one `Re:` however many
    it had), with the thread token at its end once."""
    if requested and requested.strip():
        return subject_with_token(one_line(requested), token)
    tagged = subject_with_token(one_line(conversation_subject), token)
    bare = tagged.removesuffix(f"[#{token}]").strip()
    bare = _REPLY_PREFIX.sub("", bare).strip()
    return subject_with_token(f"Re: {bare}" if bare else "", token)


@dataclass(frozen=True)
class MailParty:
    address: str
    name: str = ""


@dataclass(frozen=True)
class OutboundEmail:
    """Everything an outbound email says; `mime_message` writes it."""

    message_id: str
    sender: MailParty
    recipients: tuple[MailParty, ...]
    reply_to: str
    subject: str
    date: datetime
    text: str
    html: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    automated: bool = False


def _address(party: MailParty) -> Address:
    username, _, domain = party.address.rpartition("@")
    return Address(display_name=one_line(party.name), username=username, domain=domain)


def mime_message(mail: OutboundEmail) -> EmailMessage:
    """The message with `email.policy.default`: text/plain, or multipart/alternative with
    the HTML after the text (what clients prefer comes last, RFC 2046 5.1.4)."""
    message = EmailMessage(policy=policy.default)
    message["Message-ID"] = bracketed(mail.message_id)
    message["Date"] = format_datetime(mail.date)
    message["From"] = _address(mail.sender)
    message["To"] = [_address(party) for party in mail.recipients]
    message["Reply-To"] = _address(MailParty(mail.reply_to, mail.sender.name))
    message["Subject"] = one_line(mail.subject)
    if mail.in_reply_to:
        message["In-Reply-To"] = bracketed(mail.in_reply_to)
    if mail.references:
        message["References"] = " ".join(bracketed(found) for found in mail.references)
    if mail.automated:
        message["Auto-Submitted"] = "auto-generated"
        # Exchange and Outlook answer no out-of-office to it: no loop with an auto-responder.
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message
