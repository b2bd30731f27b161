"""Status-update triggers on conversation events (domain/triggers.py decides): the ticket of
the event (its `ticket_id`, else the ticket of its conversation) moves to the trigger's
status, as the trigger (actor kind `trigger`; pipeline rules and required status properties
do not bind it), with the message that fired it on `ticket.status_changed` and the timeline.
Also the accounts replica the triggers read the tier from."""

from __future__ import annotations

from typing import TypeVar

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import (
    AccountCreated,
    ConversationMessageReceived,
    ConversationMessageSent,
    Envelope,
)
from ticketflow_ticket.adapters.account_repository import AccountTiers
from ticketflow_ticket.adapters.channel_repository import ConversationTickets
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import triggers
from ticketflow_ticket.domain.access import Requester

M = TypeVar("M", ConversationMessageSent, ConversationMessageReceived)


async def apply_account_created(
    event: AccountCreated, uow: UnitOfWork, context: MessageContext
) -> None:
    async def save_once() -> None:
        async with uow.begin(context) as session:
            await AccountTiers(session).save(event)

    await uow.retrying(save_once)


async def on_message_sent(
    envelope: Envelope[ConversationMessageSent], uow: UnitOfWork, context: MessageContext
) -> bool:
    """Whether the "email sent to customer" trigger moved the ticket."""
    return await uow.retrying(_fire_once, envelope.payload, uow, context)


async def on_message_received(
    envelope: Envelope[ConversationMessageReceived], uow: UnitOfWork, context: MessageContext
) -> bool:
    """Whether the "customer replies" trigger moved the ticket."""
    return await uow.retrying(_fire_once, envelope.payload, uow, context)


async def _fire_once(event: M, uow: UnitOfWork, context: MessageContext) -> bool:
    account_id = context.account_id
    async with uow.begin(context) as session:
        ticket_id = event.ticket_id or await ConversationTickets(session).ticket_of(
            account_id, event.thread_id
        )
        if ticket_id is None:
            return False
        tickets = TicketRepository(session)
        ticket = await tickets.get(account_id, ticket_id)
        pipeline = await tickets.pipeline(account_id, ticket.pipeline_id) if ticket else None
        if ticket is None or pipeline is None:
            return False
        tier = await AccountTiers(session).tier(account_id)
        move = (
            triggers.move_for_sent(event, ticket, pipeline, tier)
            if isinstance(event, ConversationMessageSent)
            else triggers.move_for_reply(event, ticket, pipeline, tier)
        )
        if move is None:
            return False
        gate = await tickets.gate(account_id, pipeline.pipeline.id)
        requester = Requester.trigger(move.cause.trigger)
        ticket.move_to(pipeline, move.status_id, gate, session.now, requester, move.cause)
        await tickets.save(ticket)
        await tickets.save_gate(gate)
    return True
