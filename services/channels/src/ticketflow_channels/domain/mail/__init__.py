"""Email as the channels service reads it: parse raw RFC 5322 bytes, separate the new text
from the quoted history, and say what kind of message it is (bounce, auto-reply, forward,
reply, new). Pure functions; no I/O."""

from ticketflow_channels.domain.mail.classification import Classification, MailKind, classify
from ticketflow_channels.domain.mail.errors import UnparsableEmail
from ticketflow_channels.domain.mail.message import Attachment, MailAddress, ParsedEmail
from ticketflow_channels.domain.mail.parsing import parse_email
from ticketflow_channels.domain.mail.quoting import ReplyText, split_reply

__all__ = [
    "Attachment",
    "Classification",
    "MailAddress",
    "MailKind",
    "ParsedEmail",
    "ReplyText",
    "UnparsableEmail",
    "classify",
    "parse_email",
    "split_reply",
]
