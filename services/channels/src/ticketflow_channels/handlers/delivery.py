"""Delivering recorded outbound messages, one unit of work per step: find the due ones (across
accounts), claim one (a lease: a concurrent claimer loses on the version and skips it), and
record what the delivery came to: sent with `conversation.message_sent`, due again after a
backoff, or failed with `conversation.message_failed`. The dispatcher delivers in between."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from ticketflow_channels.adapters.conversation_repository import MessageRepository
from ticketflow_channels.domain import sending
from ticketflow_channels.domain.conversations import ConversationMessage, SendState
from ticketflow_channels.domain.mail.outbound import OutboundEmail
from ticketflow_channels.domain.sending import SendPolicy
from ticketflow_channels.domain.thread_tokens import token_in_subject
from ticketflow_chassis.uow import MessageContext, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A message this process may deliver until its lease ends, at the version it claimed."""

    message: ConversationMessage
    email: OutboundEmail


@dataclass(frozen=True)
class Outcome:
    """What one delivery came to: `error` None when it was delivered."""

    error: str | None = None
    permanent: bool = False


DELIVERED = Outcome()


def _context(account_id: str) -> MessageContext:
    return MessageContext(account_id, uuid.uuid4())


async def due_messages(limit: int, uow: UnitOfWork) -> list[ConversationMessage]:
    async with uow.read(MessageContext.across_accounts()) as session:
        return await MessageRepository(session).due_for_sending(session.now, limit)


async def claim_message(
    due: ConversationMessage, policy: SendPolicy, uow: UnitOfWork
) -> Claim | None:
    """The claim, or None when the message is no longer due (another process claimed it,
    or it was sent meanwhile)."""
    return await uow.retrying(_claim_once, due, policy, uow)


async def _claim_once(
    due: ConversationMessage, policy: SendPolicy, uow: UnitOfWork
) -> Claim | None:
    async with uow.begin(_context(due.account_id)) as session:
        messages = MessageRepository(session)
        message = await messages.get(due.account_id, due.id)
        if message is None or not sending.is_due(message, session.now):
            return None
        message = await messages.save(sending.claimed(message, session.now, policy))
    # The subject always carries the token (domain.mail.outbound.reply_subject).
    token = token_in_subject(message.subject) or ""
    return Claim(message, sending.outbound_email(message, token))


async def record_outcome(
    claim: Claim, outcome: Outcome, policy: SendPolicy, uow: UnitOfWork
) -> SendState | None:
    """The message's state after the outcome, or None when the claim was lost meanwhile (its
    lease ended and another process claimed it again: that one records its own)."""
    return await uow.retrying(_record_once, claim, outcome, policy, uow)


async def _record_once(
    claim: Claim, outcome: Outcome, policy: SendPolicy, uow: UnitOfWork
) -> SendState | None:
    claimed = claim.message
    async with uow.begin(_context(claimed.account_id)) as session:
        messages = MessageRepository(session)
        message = await messages.get(claimed.account_id, claimed.id)
        if message is None or message.version != claimed.version:
            log.warning("outbound message %s was claimed again meanwhile", claimed.id)
            return None
        if outcome.error is None:
            message = sending.sent(message)
            await session.record(sending.sent_event(message, session.now))
        else:
            message = sending.after_failure(
                message,
                outcome.error,
                permanent=outcome.permanent,
                now=session.now,
                policy=policy,
            )
            if message.state is SendState.FAILED:
                await session.record(sending.failed_event(message, session.now))
        await messages.save(message)
    return message.state
