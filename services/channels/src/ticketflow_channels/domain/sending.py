"""Sending a message in a conversation: the outbound message recorded before anything leaves
(`pending`, due at once), each delivery attempt's claim on it (a lease), and what an attempt
makes of it: `sent`, due again after a backoff, or `failed`; with the event each outcome
publishes. Pure: time, ids and the policy come in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    Participant,
    SendState,
    bounded_text,
)
from ticketflow_channels.domain.errors import InvalidMessage
from ticketflow_channels.domain.mail.html_text import html_to_text
from ticketflow_channels.domain.mail.outbound import (
    MailParty,
    OutboundEmail,
    bare_id,
    new_message_id,
    reply_subject,
    thread_references,
)
from ticketflow_channels.domain.thread_tokens import plus_address
from ticketflow_contracts import (
    ChannelType,
    ConversationMessageFailed,
    ConversationMessageSent,
    MessageDirection,
    SendOrigin,
)
from ticketflow_contracts import Participant as EventParticipant

MAX_ERROR = 1000


@dataclass(frozen=True)
class SendPolicy:
    """`lease_seconds`: how long a claimed attempt may take before another process may claim
    the message again (a crashed sender's claim expires)."""

    max_attempts: int = 8
    retry_max_seconds: float = 300.0
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class Draft:
    """What to send, as the command or the request asks."""

    text: str | None
    html: str | None
    subject: str | None
    origin: SendOrigin
    ticket_id: str | None = None
    user_id: str | None = None


def outbound_message(
    *,
    message_id: str,
    unique: str,
    conversation: Conversation,
    sender_address: str,
    recipient: Participant,
    parent: ConversationMessage | None,
    draft: Draft,
    now: datetime,
) -> ConversationMessage:
    """The message to send, pending and due now: its Message-ID `<unique>@<our domain>`,
    threaded under `parent` (the conversation's latest message with a Message-ID)."""
    if conversation.channel is not ChannelType.EMAIL:
        raise InvalidMessage(
            f"sending on {conversation.channel.value} is not supported yet",
            "conversationId",
            "channel_not_supported",
        )
    html = draft.html or ""
    text = draft.text if draft.text and draft.text.strip() else html_to_text(html)
    in_reply_to = bare_id(parent.email_message_id) if parent else ""
    return ConversationMessage(
        id=message_id,
        account_id=conversation.account_id,
        channel=conversation.channel,
        direction=MessageDirection.OUTGOING,
        occurred_at=now,
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        sender=Participant(sender_address),
        recipients=(recipient,),
        subject=reply_subject(draft.subject, conversation.subject, conversation.token),
        text=bounded_text(text),
        full_text=text,
        html=html,
        email_message_id=new_message_id(unique, sender_address),
        in_reply_to=in_reply_to,
        references=thread_references(in_reply_to, parent.references) if parent else (),
        automated=draft.origin is SendOrigin.AUTOMATION,
        connection_id=conversation.connection_id,
        origin=draft.origin,
        ticket_id=draft.ticket_id or conversation.ticket_id,
        user_id=draft.user_id,
        state=SendState.PENDING,
        next_attempt_at=now,
    )


def outbound_email(message: ConversationMessage, token: str) -> OutboundEmail:
    """The email of an outbound message; replies come back to the token's plus-address."""
    if message.sender is None:
        raise ValueError(f"outbound message {message.id} has no sender")
    return OutboundEmail(
        message_id=message.email_message_id,
        sender=MailParty(message.sender.address, message.sender.name),
        recipients=tuple(MailParty(r.address, r.name) for r in message.recipients),
        reply_to=plus_address(message.sender.address, token),
        subject=message.subject,
        date=message.occurred_at,
        text=message.full_text,
        html=message.html,
        in_reply_to=message.in_reply_to,
        references=message.references,
        automated=message.automated,
    )


def is_due(message: ConversationMessage, now: datetime) -> bool:
    return (
        message.state is SendState.PENDING
        and message.next_attempt_at is not None
        and message.next_attempt_at <= now
    )


def claimed(message: ConversationMessage, now: datetime, policy: SendPolicy) -> ConversationMessage:
    """One more attempt, leased: nobody else claims it before the lease ends."""
    return replace(
        message,
        attempts=message.attempts + 1,
        next_attempt_at=now + timedelta(seconds=policy.lease_seconds),
    )


def sent(message: ConversationMessage) -> ConversationMessage:
    return replace(message, state=SendState.SENT, next_attempt_at=None, error="")


def backoff_seconds(failures: int, most: float) -> float:
    """1 s after the first failure, doubling after each further one, at most `most`."""
    return float(min(most, 2.0 ** min(failures - 1, 62)))


def after_failure(
    message: ConversationMessage,
    error: str,
    *,
    permanent: bool,
    now: datetime,
    policy: SendPolicy,
) -> ConversationMessage:
    """Failed for good on a permanent refusal or once the attempts are spent; else due again
    after the backoff. The error is kept either way."""
    error = error[:MAX_ERROR]
    if permanent or message.attempts >= policy.max_attempts:
        return replace(message, state=SendState.FAILED, next_attempt_at=None, error=error)
    delay = backoff_seconds(message.attempts, policy.retry_max_seconds)
    return replace(message, next_attempt_at=now + timedelta(seconds=delay), error=error)


def _event_fields(message: ConversationMessage) -> dict[str, object]:
    sender = message.sender
    return {
        "message_id": message.id,
        "thread_id": message.conversation_id or "",
        "channel": message.channel,
        "channel_connection_id": message.connection_id,
        "ticket_id": message.ticket_id,
        "sender": EventParticipant(
            name=(sender.name or None) if sender else None,
            address=sender.address if sender else None,
            user_id=message.user_id,
        ),
        "recipients": [
            EventParticipant(name=r.name or None, address=r.address) for r in message.recipients
        ],
        "subject": message.subject,
        "excerpt": message.excerpt,
        "contact_id": message.contact_id,
        "text": message.text,
        "email_message_id": message.email_message_id or None,
        "automated": message.automated,
        "origin": message.origin,
    }


def sent_event(message: ConversationMessage, at: datetime) -> ConversationMessageSent:
    return ConversationMessageSent.model_validate(
        _event_fields(message)
        | {"sent_from_ticket": message.origin is SendOrigin.TICKET_RECORD, "sent_at": at}
    )


def failed_event(message: ConversationMessage, at: datetime) -> ConversationMessageFailed:
    return ConversationMessageFailed.model_validate(
        _event_fields(message) | {"error": message.error, "failed_at": at}
    )
