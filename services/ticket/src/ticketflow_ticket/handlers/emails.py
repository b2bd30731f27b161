"""An agent's email from the ticket record: to the ticket's contact, in the ticket's
conversation, sent by channels (`channels.send_message`, origin `ticket_record`, which the
"email sent to customer" trigger follows). Whoever may edit the ticket may write; the
message id is made here, so the caller gets it at once, and channels records the message
under it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import SendMessage, SendOrigin
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import NoConversation, TicketNotFound
from ticketflow_ticket.handlers.tickets import visible_ticket


@dataclass(frozen=True)
class SendTicketEmail:
    requester: Requester
    ticket_id: str
    text: str | None
    html: str | None
    subject: str | None = None


async def send_ticket_email(
    command: SendTicketEmail, uow: UnitOfWork, context: MessageContext
) -> SendMessage:
    return await uow.retrying(_send_once, command, uow, context)


async def _send_once(
    command: SendTicketEmail, uow: UnitOfWork, context: MessageContext
) -> SendMessage:
    async with uow.begin(context) as session:
        ticket, pipeline = await visible_ticket(
            TicketRepository(session), context.account_id, command.ticket_id, command.requester
        )
        if ticket.archived:
            raise TicketNotFound(command.ticket_id)
        access.require_edit(pipeline, command.requester)
        if ticket.conversation_id is None:
            raise NoConversation(command.ticket_id)
        send = SendMessage(
            conversation_id=ticket.conversation_id,
            text=command.text,
            html=command.html,
            subject=command.subject,
            origin=SendOrigin.TICKET_RECORD,
            ticket_id=ticket.id,
            user_id=command.requester.user_id,
            message_id=uuid.uuid4().hex,
        )
        await session.record(send)
    return send
