"""An ingested email as a conversation message, and the event that tells of it. Pure: the
ingestion handler (handlers/ingestion.py) looks things up and decides the thread; this
module turns the parsed email and those decisions into what is stored and published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    Participant,
    StoredAttachment,
    bounded_text,
)
from ticketflow_channels.domain.intake import Intake, IntakeTransport
from ticketflow_channels.domain.mail import (
    Classification,
    MailKind,
    ParsedEmail,
    classify,
    split_reply,
)
from ticketflow_channels.domain.threading import ThreadMatch
from ticketflow_contracts import (
    ChannelType,
    ConversationMessageHeld,
    ConversationMessageReceived,
    HeldReason,
    MessageClassification,
    MessageDirection,
)
from ticketflow_contracts import Participant as EventParticipant

MAX_HTML = 200_000
MAX_SUBJECT = 998


@dataclass(frozen=True)
class LoopPolicy:
    """A burst of `burst` messages from one sender within `window_seconds` is a suspected
    mail loop: the message that completes it, and those after it in the window, are held."""

    burst: int = 20
    window_seconds: float = 600.0


def bare_id(message_id: str) -> str:
    """A Message-ID as stored and published: without its angle brackets."""
    return message_id.strip().removeprefix("<").removesuffix(">")


def dedupe_key(mail: ParsedEmail, raw_sha256: str) -> str:
    """The same message delivered twice: its Message-ID, else the hash of its bytes."""
    return mail.message_id or f"sha256:{raw_sha256}"


def envelope_signals(mail: ParsedEmail, intake: Intake, from_our_address: bool) -> Classification:
    """What the SMTP envelope and our own addresses add to what the email says of itself:
    a null reverse path (`MAIL FROM:<>`) is a bounce; mail from one of our own connected
    addresses is an auto-reply (our own mail come back: a loop in the making)."""
    said = classify(mail)
    if said.kind in (MailKind.BOUNCE, MailKind.AUTO_REPLY):
        return said
    if intake.transport is IntakeTransport.SMTP and intake.mail_from == "":
        return Classification(MailKind.BOUNCE, "mail from: <>")
    if from_our_address:
        return Classification(MailKind.AUTO_REPLY, "from: one of our connected addresses")
    return said


def inbound_message(
    message_id: str,
    mail: ParsedEmail,
    intake: Intake,
    classification: Classification,
    match: ThreadMatch,
    *,
    conversation_id: str | None,
    contact_id: str | None,
    held: HeldReason | None,
) -> ConversationMessage:
    body = split_reply(mail.text)
    return ConversationMessage(
        id=message_id,
        account_id=intake.account_id,
        channel=ChannelType.EMAIL,
        direction=MessageDirection.INCOMING,
        occurred_at=intake.received_at,
        conversation_id=conversation_id,
        contact_id=contact_id,
        sender=Participant(mail.sender.address, mail.sender.name),
        recipients=tuple(Participant(a.address, a.name) for a in (*mail.to, *mail.cc)),
        subject=mail.subject[:MAX_SUBJECT],
        text=bounded_text(body.new_text or body.full.strip()),
        full_text=bounded_text(body.full),
        html=mail.html_body[:MAX_HTML],
        email_message_id=bare_id(mail.message_id),
        in_reply_to=bare_id(mail.in_reply_to),
        references=tuple(bare_id(r) for r in mail.references[-20:]),
        attachments=tuple(
            StoredAttachment(i, a.filename, a.content_type, a.size, a.sha256, a.inline)
            for i, a in enumerate(mail.attachments)
        ),
        classification=match.classification,
        signal=classification.signal,
        matched_by=match.matched_by,
        held=held,
        automated=match.classification
        in (MessageClassification.AUTO_REPLY, MessageClassification.BOUNCE),
        connection_id=intake.connection_id,
        raw_sha256=intake.raw_sha256,
        problems=mail.problems,
    )


def new_conversation(
    conversation_id: str, token: str, message: ConversationMessage, contact_id: str, now: datetime
) -> Conversation:
    return Conversation(
        id=conversation_id,
        account_id=message.account_id,
        channel=message.channel,
        connection_id=message.connection_id or "",
        contact_id=contact_id,
        subject=message.subject,
        token=token,
        created_at=now,
        last_message_at=message.occurred_at,
        message_count=1,
    )


def _event_participant(participant: Participant | None) -> EventParticipant | None:
    if participant is None:
        return None
    return EventParticipant(name=participant.name or None, address=participant.address)


def received_event(
    message: ConversationMessage, conversation: Conversation, parent_id: str | None
) -> ConversationMessageReceived:
    return ConversationMessageReceived(
        message_id=message.id,
        thread_id=conversation.id,
        channel=message.channel,
        channel_connection_id=conversation.connection_id,
        ticket_id=conversation.ticket_id,
        sender=_event_participant(message.sender),
        recipients=[p for r in message.recipients if (p := _event_participant(r))],
        subject=message.subject or None,
        excerpt=message.excerpt,
        attachment_count=len(message.attachments),
        in_reply_to_message_id=parent_id,
        contact_id=message.contact_id,
        text=message.text,
        email_message_id=message.email_message_id or None,
        automated=message.automated,
        thread_relation=message.relation,
        received_at=message.occurred_at,
        classification=message.classification,
        matched_by=message.matched_by,
    )


def held_event(message: ConversationMessage) -> ConversationMessageHeld:
    assert message.held is not None
    return ConversationMessageHeld(
        message_id=message.id,
        channel=message.channel,
        channel_connection_id=message.connection_id,
        reason=message.held,
        contact_id=message.contact_id,
        sender=_event_participant(message.sender),
        subject=message.subject or None,
        excerpt=message.excerpt,
        email_message_id=message.email_message_id or None,
        received_at=message.occurred_at,
    )
