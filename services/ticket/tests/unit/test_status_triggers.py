"""Status-update triggers on the in-memory store: an email sent from the ticket record moves
the ticket to the "email sent" target, a reply by its contact in its conversation to the
"customer replies" target, as the trigger (rules and required properties do not bind it),
with the message that fired it on the event and the timeline. Nothing moves for mail from the
contact record, forwards, replies to forwards, auto-replies, other people or threads, a
trigger switched off, a Free account, a chat ticket, or a redelivery."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow_chassis.testing import consumed_context, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    AccountCreated,
    AutomationTriggers,
    ChannelType,
    ConversationMessageSent,
    Envelope,
    MatchedBy,
    MessageClassification,
    SendOrigin,
    StatusTrigger,
    ThreadRelation,
    Tier,
)
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.timeline import EntryType, StatusChange
from ticketflow_ticket.handlers import triggers
from ticketflow_ticket.handlers.timeline import ReadTimeline, read_timeline

from .builders import NOW, pipeline
from .test_conversation_tickets import ADMIN, STATUSES, handle, message, ready
from .test_timeline_handlers import replicate

TRIGGERS = "ticket.triggers"


async def with_triggers(
    uow: UnitOfWork, email_sent: StatusTrigger, customer_replied: StatusTrigger, revision: int
) -> None:
    base = pipeline("p1", STATUSES)
    snapshot = base.pipeline.model_copy(
        update={
            "triggers": AutomationTriggers(email_sent=email_sent, customer_replied=customer_replied)
        }
    )
    await replicate(uow, PipelineReplica("a1", revision, snapshot))


async def open_account(uow: UnitOfWork, tier: Tier) -> None:
    event = AccountCreated(
        account_id="a1",
        name="Acme",
        tier=tier,
        admin_user_id="boss",
        admin_email="boss@acme.test",
        created_at=NOW,
    )
    envelope = envelope_of(event)
    await triggers.apply_account_created(
        event, uow, consumed_context(envelope, "ticket.account-events")
    )


@pytest.fixture
async def uow() -> UnitOfWork:
    uow = await ready()
    await with_triggers(
        uow, StatusTrigger(status_id="new"), StatusTrigger(status_id="triage"), revision=2
    )
    await open_account(uow, Tier.PROFESSIONAL)
    return uow


async def channel_ticket(uow: UnitOfWork, **changes: Any) -> Ticket:
    ticket = await handle(uow, message(**changes))
    assert ticket is not None
    assert ticket.status_id == "triage"
    return ticket


def sent(
    origin: SendOrigin, ticket_id: str | None, message_id: str = "out-1"
) -> Envelope[ConversationMessageSent]:
    event = ConversationMessageSent(
        message_id=message_id,
        thread_id="conv-1",
        channel=ChannelType.EMAIL,
        ticket_id=ticket_id,
        origin=origin,
        sent_from_ticket=origin is SendOrigin.TICKET_RECORD,
        sent_at=NOW,
    )
    return envelope_of(event, occurred_at=NOW)


def reply(**changes: Any) -> Any:
    fields: dict[str, Any] = {
        "message_id": "m2",
        "classification": MessageClassification.REPLY,
        "matched_by": MatchedBy.IN_REPLY_TO,
        "thread_relation": ThreadRelation.REPLY,
    }
    return message(**(fields | changes))


async def status_of(uow: UnitOfWork, ticket_id: str) -> str:
    async with uow.read(MessageContext.for_request("a1")) as session:
        ticket = await TicketRepository(session).get("a1", ticket_id)
    assert ticket is not None
    return ticket.status_id


async def fire_sent(uow: UnitOfWork, envelope: Envelope[ConversationMessageSent]) -> bool:
    return await triggers.on_message_sent(envelope, uow, consumed_context(envelope, TRIGGERS))


async def fire_reply(uow: UnitOfWork, envelope: Any) -> bool:
    return await triggers.on_message_received(envelope, uow, consumed_context(envelope, TRIGGERS))


async def test_an_email_sent_from_the_ticket_record_moves_it_as_the_trigger(
    uow: UnitOfWork,
) -> None:
    ticket = await channel_ticket(uow)

    moved = await fire_sent(uow, sent(SendOrigin.TICKET_RECORD, ticket.id))

    assert moved
    assert await status_of(uow, ticket.id) == "new"
    page = await read_timeline(
        ReadTimeline(ADMIN, ticket.id, 10, None), uow, MessageContext.for_request("a1")
    )
    [change] = [e for e in page.entries if e.type is EntryType.STATUS_CHANGED]
    assert isinstance(change.details, StatusChange)
    assert (change.details.trigger, change.details.trigger_message_id) == ("email_sent", "out-1")
    assert (change.actor.kind.value, change.actor.id) == ("trigger", "email_sent")  # type: ignore[union-attr]


@pytest.mark.parametrize("origin", [SendOrigin.CONTACT_RECORD, SendOrigin.AUTOMATION])
async def test_mail_sent_from_elsewhere_moves_nothing(uow: UnitOfWork, origin: SendOrigin) -> None:
    ticket = await channel_ticket(uow)

    assert not await fire_sent(uow, sent(origin, ticket.id))
    assert await status_of(uow, ticket.id) == "triage"


async def test_a_reply_by_its_contact_in_its_thread_moves_it_past_required_properties(
    uow: UnitOfWork,
) -> None:
    ticket = await channel_ticket(uow)
    await fire_sent(uow, sent(SendOrigin.TICKET_RECORD, ticket.id))  # now in "new"

    moved = await fire_reply(uow, reply())  # no ticket_id on it: found by its conversation

    assert moved
    assert await status_of(uow, ticket.id) == "triage"  # "severity" is required there


@pytest.mark.parametrize(
    "changes",
    [
        {"classification": MessageClassification.FORWARD},
        {"classification": MessageClassification.REPLY_TO_FORWARD},
        {"classification": MessageClassification.AUTO_REPLY, "automated": True},
        {"contact_id": "someone-else"},
        {"thread_id": "another-conversation"},
    ],
    ids=["forward", "reply-to-forward", "auto-reply", "another-contact", "another-thread"],
)
async def test_these_emails_move_nothing(uow: UnitOfWork, changes: dict[str, Any]) -> None:
    ticket = await channel_ticket(uow)
    await fire_sent(uow, sent(SendOrigin.TICKET_RECORD, ticket.id))

    assert not await fire_reply(uow, reply(ticket_id=ticket.id, **changes))
    assert await status_of(uow, ticket.id) == "new"


async def test_a_trigger_switched_off_does_nothing_and_a_retargeted_one_uses_its_new_status(
    uow: UnitOfWork,
) -> None:
    ticket = await channel_ticket(uow)
    await with_triggers(
        uow, StatusTrigger(enabled=False, status_id="new"), StatusTrigger(status_id="done"), 3
    )

    assert not await fire_sent(uow, sent(SendOrigin.TICKET_RECORD, ticket.id))
    assert await fire_reply(uow, reply(ticket_id=ticket.id))
    assert await status_of(uow, ticket.id) == "done"


async def test_a_free_account_and_a_chat_ticket_are_left_alone() -> None:
    free = await ready()
    await with_triggers(free, StatusTrigger(status_id="new"), StatusTrigger(status_id="done"), 2)
    await open_account(free, Tier.FREE)
    ticket = await channel_ticket(free)
    chat = await ready()
    await with_triggers(chat, StatusTrigger(status_id="new"), StatusTrigger(status_id="done"), 2)
    await open_account(chat, Tier.ENTERPRISE)
    chat_ticket = await channel_ticket(chat, channel=ChannelType.CHAT)

    assert not await fire_sent(free, sent(SendOrigin.TICKET_RECORD, ticket.id))
    assert not await fire_sent(chat, sent(SendOrigin.TICKET_RECORD, chat_ticket.id))


async def test_a_redelivered_event_moves_once(uow: UnitOfWork) -> None:
    ticket = await channel_ticket(uow)
    envelope = sent(SendOrigin.TICKET_RECORD, ticket.id)
    await fire_sent(uow, envelope)

    with pytest.raises(DuplicateMessage):
        await fire_sent(uow, envelope)
    again = sent(SendOrigin.TICKET_RECORD, ticket.id, message_id="out-2")
    assert not await fire_sent(uow, again)  # already in the target: no second change
