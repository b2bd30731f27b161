"""Raw RFC 5322 bytes to a ParsedEmail with the standard library's modern API. Damage is
reported in `problems`; only a message with no headers or no sender raises UnparsableEmail."""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from datetime import datetime
from email.message import EmailMessage, Message
from email.policy import default as default_policy

from ticketflow_channels.domain.mail.charsets import decode_text, repair_header
from ticketflow_channels.domain.mail.errors import UnparsableEmail
from ticketflow_channels.domain.mail.html_text import html_to_text
from ticketflow_channels.domain.mail.message import Attachment, MailAddress, ParsedEmail

SIGNAL_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "return-path",
)
# Machine-readable parts of a report (RFC 3462): read by classification, not attachments.
_REPORT_PARTS = frozenset({"message/delivery-status", "text/rfc822-headers"})
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Local delivery (mbox, procmail) may keep the envelope line "From sender date" on top.
_MBOX_FROM_LINE = re.compile(rb"\AFrom [^\n]*\n")
_HEADER_NAME = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse raw bytes; damage goes to `problems`, a missing sender raises UnparsableEmail.

    >>> parse_email(b"From: Ann <ANN@x.org>\\nSubject: Hi\\n\\nHello").sender.address
    'ann@x.org'
    """
    raw = _MBOX_FROM_LINE.sub(b"", raw.lstrip(), count=1)
    if not _HEADER_NAME.match(raw):
        raise UnparsableEmail("not an email: it does not start with a header")
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)  # the default policy's factory
    problems: list[str] = []
    senders = _addresses(message, "from", problems)
    if not senders:
        raise UnparsableEmail("no From address")
    body = _Body()
    _read_part(message, body, problems, top=True)
    return ParsedEmail(
        sender=senders[0],
        subject=" ".join(_header(message, "subject", problems).split()),
        message_id=_first_id(_header(message, "message-id", problems)),
        in_reply_to=_first_id(_header(message, "in-reply-to", problems)),
        references=tuple(_MESSAGE_ID.findall(_header(message, "references", problems))),
        to=_addresses(message, "to", problems),
        cc=_addresses(message, "cc", problems),
        reply_to=_addresses(message, "reply-to", problems),
        date=_date(_header(message, "date", problems), problems),
        text_body=body.text,
        html_body=body.html,
        text_from_html="" if body.text else html_to_text(body.html),
        attachments=tuple(body.attachments),
        signal_headers={
            name: value
            for name in SIGNAL_HEADERS
            if (value := _header(message, name, problems)) or name in message
        },
        content_type=message.get_content_type(),
        report_type=str(message.get_param("report-type", "", header="content-type")).lower(),
        problems=tuple(problems),
    )


class _Body:
    def __init__(self) -> None:
        self.text = ""
        self.html = ""
        self.attachments: list[Attachment] = []


def _read_part(part: Message, body: _Body, problems: list[str], top: bool = False) -> None:
    content_type = part.get_content_type()
    _read_content(part, content_type, body, problems, top)
    # Read after the content: decoding a payload registers its defects (e.g. bad base64).
    problems.extend(f"{content_type}: {type(defect).__name__}" for defect in part.defects)


def _read_content(
    part: Message, content_type: str, body: _Body, problems: list[str], top: bool
) -> None:
    if content_type == "message/rfc822":
        body.attachments.append(_attached_message(part))
    elif content_type in _REPORT_PARTS:
        return
    elif part.get_content_maintype() == "multipart" and not part.is_multipart():
        # The boundary was never found: keep the raw text rather than lose the message.
        body.text = body.text or _text(part, problems)
    elif part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _read_part(child, body, problems)
    elif _is_attachment(part, top):
        body.attachments.append(_attachment(part, problems))
    elif content_type == "text/html" and not body.html:
        body.html = _text(part, problems)
    elif content_type == "text/plain":
        # Apple Mail splits a body around inline images into several text parts.
        body.text = "\n".join(filter(None, (body.text, _text(part, problems))))
    elif content_type != "text/html":
        body.attachments.append(_attachment(part, problems))  # text/calendar, text/csv...


def _is_attachment(part: Message, top: bool) -> bool:
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return not (top and part.get_content_maintype() == "text")
    return part.get_content_maintype() not in ("text", "multipart")


def _attachment(part: Message, problems: list[str]) -> Attachment:
    content = _payload(part, problems)
    inline = part.get_content_disposition() == "inline" or (
        part.get_content_disposition() is None and "content-id" in part
    )
    return Attachment(
        filename=repair_header(part.get_filename() or ""),
        content_type=part.get_content_type(),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        inline=inline and part.get_content_maintype() == "image",
        content=content,
    )


def _attached_message(part: Message) -> Attachment:
    inner = part.get_payload(0) if part.is_multipart() else None
    content = inner.as_bytes() if isinstance(inner, EmailMessage) else b""
    subject = str(inner.get("subject", "")) if isinstance(inner, Message) else ""
    return Attachment(
        filename=part.get_filename() or f"{subject or 'message'}.eml",
        content_type="message/rfc822",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        is_message=True,
        content=content,
    )


def _payload(part: Message, problems: list[str]) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception as error:
        problems.append(f"{part.get_content_type()}: undecodable ({error})")
        return b""
    return content if isinstance(content, bytes) else b""


def _text(part: Message, problems: list[str]) -> str:
    text, problem = decode_text(_payload(part, problems), part.get_content_charset())
    if problem:
        problems.append(f"{part.get_content_type()}: {problem}")
    return text.replace("\r\n", "\n")


def _header(message: EmailMessage, name: str, problems: list[str]) -> str:
    try:
        value = message.get(name)
    except Exception as error:
        problems.append(f"{name}: malformed header ({error})")
        return ""
    return repair_header(str(value)).strip() if value is not None else ""


def _addresses(message: EmailMessage, name: str, problems: list[str]) -> tuple[MailAddress, ...]:
    try:
        header = message.get(name)
        # The parsed header keeps "Lee, Ann" (even RFC 2047-encoded) as one name.
        pairs = [(item.display_name, item.addr_spec) for item in getattr(header, "addresses", ())]
    except Exception as error:
        problems.append(f"{name}: malformed header ({error})")
        pairs = []
    if not pairs:
        pairs = email.utils.getaddresses([_header(message, name, problems)])
    found = []
    for display, address in pairs:
        if "@" in address:
            found.append(MailAddress(address.strip().lower(), repair_header(display).strip()))
        elif address and address != "<>":
            problems.append(f"{name}: not an address ({address})")
    return tuple(found)


def _first_id(value: str) -> str:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else value.strip()


def _date(value: str, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        problems.append(f"date: not a date ({value})")
        return None
