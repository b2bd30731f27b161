"""What parsing yields: a parsed email, its addresses and its attachments, all frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MailAddress:
    address: str  # lower-cased
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool = False  # an inline image (Content-ID / disposition inline), not a file
    is_message: bool = False  # an attached message/rfc822 (a forward as attachment)
    # The decoded bytes, for the blob store; not part of what an attachment is said to be.
    content: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class ParsedEmail:
    sender: MailAddress
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    to: tuple[MailAddress, ...] = ()
    cc: tuple[MailAddress, ...] = ()
    reply_to: tuple[MailAddress, ...] = ()
    date: datetime | None = None
    text_body: str = ""
    html_body: str = ""
    text_from_html: str = ""  # only when there is no plain part
    attachments: tuple[Attachment, ...] = ()
    # Lower-cased header names -> values, only the headers classification reads.
    signal_headers: dict[str, str] = field(default_factory=dict, hash=False)
    content_type: str = "text/plain"
    report_type: str = ""
    problems: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The body to read: the plain part, else the text derived from the HTML part."""
        return self.text_body or self.text_from_html

    @property
    def attached_messages(self) -> tuple[Attachment, ...]:
        return tuple(item for item in self.attachments if item.is_message)
