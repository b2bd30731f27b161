"""Linking conversations to the tickets made for them: the ticket service creates a ticket for
a new conversation and says so in `ticket.created` (`conversation_id`); the conversation keeps
the ticket, so its later messages' events and the read API carry it."""

from __future__ import annotations

from dataclasses import replace

from ticketflow_channels.adapters.conversation_repository import ConversationRepository
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketCreated


async def link_ticket(event: TicketCreated, uow: UnitOfWork, context: MessageContext) -> None:
    if event.conversation_id is None:
        return
    await uow.retrying(_link_once, event, uow, context)


async def _link_once(event: TicketCreated, uow: UnitOfWork, context: MessageContext) -> None:
    assert event.conversation_id is not None
    async with uow.begin(context) as session:
        conversations = ConversationRepository(session)
        conversation = await conversations.get(context.account_id, event.conversation_id)
        # A conversation keeps its first ticket (the ticket service makes one per conversation).
        if conversation is None or conversation.ticket_id is not None:
            return
        await conversations.save(replace(conversation, ticket_id=event.ticket_id))
