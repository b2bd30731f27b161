"""Ingestion of one intake's raw email (`channels.ingest_email`), by any of the competing
workers: read the raw bytes once, parse, store the attachments, then in one unit of work
dedupe, find or make the contact, thread, classify, hold loops, store the message and record
its event. The intake says how it ended.

Exactly once: the unit of work carries the queue's inbox mark (a redelivery does nothing),
an intake that has ended is not ingested again, and the message's Message-ID (else the hash
of its bytes) is a document id that a second worker storing the same email at the same
moment conflicts on; its retry then finds the first one's and records a duplicate.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from ticketflow_channels.adapters.blobs import BlobNotFound, BlobStore, chunks_of
from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    EmailIdRepository,
    MessageRepository,
)
from ticketflow_channels.adapters.intake_repository import IntakeRepository
from ticketflow_channels.adapters.repository import ConnectionRepository
from ticketflow_channels.domain.connections import address_key
from ticketflow_channels.domain.contacts import Contact
from ticketflow_channels.domain.conversations import Conversation, ConversationMessage
from ticketflow_channels.domain.errors import IntakeMissing
from ticketflow_channels.domain.inbound import (
    LoopPolicy,
    dedupe_key,
    envelope_signals,
    held_event,
    inbound_message,
    new_conversation,
    received_event,
)
from ticketflow_channels.domain.intake import Intake, IntakeStatus
from ticketflow_channels.domain.mail import ParsedEmail, UnparsableEmail, parse_email
from ticketflow_channels.domain.thread_tokens import (
    new_thread_token,
    token_in_addresses,
    token_in_subject,
)
from ticketflow_channels.domain.threading import ThreadHit, ThreadMatch, match_thread
from ticketflow_channels.handlers.contacts import contact_for_email
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import ChannelType, HeldReason, MatchedBy, MessageClassification

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


async def ingest_email(
    command: IngestEmail,
    blobs: BlobStore,
    policy: LoopPolicy,
    uow: UnitOfWork,
    context: MessageContext,
) -> IntakeStatus:
    """How the intake ended; IntakeMissing (poison) for an intake that does not exist."""
    async with uow.read(context) as session:
        intake = await IntakeRepository(session).get(context.account_id, command.intake_id)
    if intake is None:
        raise IntakeMissing(command.intake_id)
    if intake.status is not IntakeStatus.QUEUED:
        return intake.status
    try:
        raw = b"".join([chunk async for chunk in blobs.chunks(intake.raw_sha256)])
    except BlobNotFound:
        return await _end(intake, IntakeStatus.FAILED, "the raw message is missing", uow, context)
    try:
        # Parsing a large email takes long enough to stall every other request: a thread.
        mail = await asyncio.to_thread(parse_email, raw)
    except UnparsableEmail as exc:
        return await _end(intake, IntakeStatus.FAILED, str(exc), uow, context)
    del raw
    for attachment in mail.attachments:
        await blobs.put(chunks_of(attachment.content), max_bytes=MAX_ATTACHMENT_BYTES)
    return await uow.retrying(_store_once, intake, mail, policy, uow, context)


async def _end(
    intake: Intake, status: IntakeStatus, reason: str, uow: UnitOfWork, context: MessageContext
) -> IntakeStatus:
    async def end_once() -> IntakeStatus:
        async with uow.begin(context) as session:
            intakes = IntakeRepository(session)
            current = await intakes.get(intake.account_id, intake.id)
            if current is None or current.status is not IntakeStatus.QUEUED:
                return current.status if current else status
            await intakes.save(current.ended(status, message_id=None, reason=reason))
        return status

    return await uow.retrying(end_once)


async def _store_once(
    intake: Intake, mail: ParsedEmail, policy: LoopPolicy, uow: UnitOfWork, context: MessageContext
) -> IntakeStatus:
    async with uow.begin(context) as session:
        intakes = IntakeRepository(session)
        current = await intakes.get(intake.account_id, intake.id)
        if current is None or current.status is not IntakeStatus.QUEUED:
            return current.status if current else IntakeStatus.FAILED
        email_ids = EmailIdRepository(session)
        key = dedupe_key(mail, current.raw_sha256)
        known = await email_ids.get(current.account_id, key)
        if known is not None:
            await intakes.save(
                current.ended(
                    IntakeStatus.DUPLICATE,
                    message_id=known["message_id"],
                    reason=f"a message with this {'Message-ID' if mail.message_id else 'content'}"
                    " was ingested already",
                )
            )
            return IntakeStatus.DUPLICATE
        ingested = await _ingest(session, current, mail, policy)
        await email_ids.add(current.account_id, key, ingested)
        status = IntakeStatus.HELD if ingested.held else IntakeStatus.STORED
        await intakes.save(current.ended(status, message_id=ingested.id))
    return status


async def _ingest(
    session: Session, intake: Intake, mail: ParsedEmail, policy: LoopPolicy
) -> ConversationMessage:
    account_id = intake.account_id
    ours = await ConnectionRepository(session).connected_with(
        account_id, ChannelType.EMAIL, address_key(ChannelType.EMAIL, mail.sender.address)
    )
    classification = envelope_signals(mail, intake, from_our_address=ours is not None)
    contact = (
        None
        if ours is not None
        else await contact_for_email(session, account_id, mail.sender.address, mail.sender.name)
    )
    contact_id = contact.id if contact else None
    hits = await _thread_hits(session, intake, mail)
    match = match_thread(classification.kind, hits, contact_id or "")
    held = await _held_reason(session, account_id, contact, match, policy)
    conversations = ConversationRepository(session)
    messages = MessageRepository(session)
    conversation: Conversation | None = None
    if held is None and match.conversation_id is not None:
        conversation = await conversations.get(account_id, match.conversation_id)
    message_id = uuid.uuid4().hex
    if held is None and conversation is None:
        conversation_id = numeric_id()
        message = inbound_message(
            message_id,
            mail,
            intake,
            classification,
            _opened(match),
            conversation_id=conversation_id,
            contact_id=contact_id,
            held=None,
        )
        assert contact_id is not None  # mail from our own address is always held
        conversation = new_conversation(
            conversation_id, new_thread_token(), message, contact_id, session.now
        )
    else:
        message = inbound_message(
            message_id,
            mail,
            intake,
            classification,
            match,
            conversation_id=conversation.id if conversation else None,
            contact_id=contact_id,
            held=held,
        )
    await messages.save(message)
    if conversation is None:
        await session.record(held_event(message))
        return message
    if conversation.version is not None:
        conversation = conversation.with_message(message.occurred_at)
    await conversations.save(conversation)
    await session.record(received_event(message, conversation, _parent_id(hits, match)))
    return message


def _opened(match: ThreadMatch) -> ThreadMatch:
    """A message that opens a thread: matched by nothing, whatever it said it was."""
    return ThreadMatch(None, MatchedBy.NONE, match.classification)


def _parent_id(hits: list[ThreadHit], match: ThreadMatch) -> str | None:
    for hit in hits:
        if hit.conversation_id == match.conversation_id and hit.message_id:
            return hit.message_id
    return None


async def _held_reason(
    session: Session,
    account_id: str,
    contact: Contact | None,
    match: ThreadMatch,
    policy: LoopPolicy,
) -> HeldReason | None:
    """Loops first (a burst is held whatever it is); then an auto-reply or a bounce that
    answers none of our threads, and mail from our own addresses."""
    if contact is not None:
        since = session.now - timedelta(seconds=policy.window_seconds)
        recent = await MessageRepository(session).count_from_contact_since(
            account_id, contact.id, since
        )
        if recent + 1 >= policy.burst:
            return HeldReason.SUSPECTED_LOOP
    automatic = match.classification in (
        MessageClassification.AUTO_REPLY,
        MessageClassification.BOUNCE,
    )
    if contact is None or (automatic and match.conversation_id is None):
        return (
            HeldReason.BOUNCE
            if match.classification is MessageClassification.BOUNCE
            else HeldReason.AUTO_REPLY
        )
    return None


async def _thread_hits(session: Session, intake: Intake, mail: ParsedEmail) -> list[ThreadHit]:
    """What each signal points at, in the order they count."""
    hits: list[ThreadHit] = []
    email_ids = EmailIdRepository(session)
    for matched_by, ids in (
        (MatchedBy.IN_REPLY_TO, [mail.in_reply_to] if mail.in_reply_to else []),
        (MatchedBy.REFERENCES, list(reversed(mail.references))),
    ):
        for email_message_id in ids[:20]:
            known = await email_ids.get(intake.account_id, email_message_id)
            if known is not None and known["conversation_id"]:
                hits.append(
                    ThreadHit(
                        known["conversation_id"],
                        known["contact_id"],
                        matched_by,
                        _classification(known.get("classification")),
                        known["message_id"],
                    )
                )
    conversations = ConversationRepository(session)
    recipients = [intake.recipient, *(a.address for a in (*mail.to, *mail.cc))]
    for matched_by, token in (
        (MatchedBy.TOKEN_REPLY_TO, token_in_addresses(recipients)),
        (MatchedBy.TOKEN_SUBJECT, token_in_subject(mail.subject)),
    ):
        if token and (found := await conversations.by_token(intake.account_id, token)):
            hits.append(ThreadHit(found.id, found.contact_id, matched_by))
    return hits


def _classification(value: str | None) -> MessageClassification | None:
    return MessageClassification(value) if value else None
