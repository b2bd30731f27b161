"""Sending a message in a conversation (`channels.send_message`, and the HTTP route): the
intent is recorded in one unit of work, before anything leaves: the outbound message,
pending and due now, its Message-ID (so replies thread to it) and the conversation's
count. The dispatcher (entrypoints/outbound_dispatcher.py) delivers it."""

from __future__ import annotations

import uuid

from ticketflow_channels.adapters.contact_repository import ContactRepository
from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    EmailIdRepository,
    MessageRepository,
)
from ticketflow_channels.adapters.repository import ConnectionRepository
from ticketflow_channels.domain.conversations import ConversationMessage, Participant
from ticketflow_channels.domain.errors import ConversationNotFound, InvalidMessage
from ticketflow_channels.domain.sending import Draft, outbound_message
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import SendMessage

# How far back the parent (the latest message with a Message-ID) is looked for: chat and
# Messenger messages have none.
PARENT_SCAN = 20


async def send_message(
    request: SendMessage, uow: UnitOfWork, context: MessageContext
) -> ConversationMessage:
    return await uow.retrying(_send_once, request, uow, context)


async def _send_once(
    request: SendMessage, uow: UnitOfWork, context: MessageContext
) -> ConversationMessage:
    account_id = context.account_id
    async with uow.begin(context) as session:
        conversations = ConversationRepository(session)
        conversation = await conversations.get(account_id, request.conversation_id)
        if conversation is None:
            raise ConversationNotFound(request.conversation_id)
        connection = await ConnectionRepository(session).get(account_id, conversation.connection_id)
        if connection is None or not connection.connected:
            raise InvalidMessage(
                "the conversation's channel is disconnected", "conversationId", "disconnected"
            )
        contact = await ContactRepository(session).get(account_id, conversation.contact_id)
        if contact is None or not contact.state.email:
            raise InvalidMessage(
                "the conversation's contact has no email address", "conversationId", "no_email"
            )
        messages = MessageRepository(session)
        if request.message_id and await messages.get(account_id, request.message_id):
            raise InvalidMessage(
                f"a message {request.message_id!r} exists already", "messageId", "taken"
            )
        latest = await messages.latest_in_conversation(
            account_id, conversation.id, limit=PARENT_SCAN
        )
        message = outbound_message(
            message_id=request.message_id or numeric_id(),
            unique=uuid.uuid4().hex,
            conversation=conversation,
            sender_address=connection.state.address,
            recipient=Participant(contact.state.email, contact.state.display_name or ""),
            parent=next((m for m in latest if m.email_message_id), None),
            draft=Draft(
                text=request.text,
                html=request.html,
                subject=request.subject,
                origin=request.origin,
                ticket_id=request.ticket_id,
                user_id=request.user_id,
            ),
            now=session.now,
        )
        message = await messages.save(message)
        await EmailIdRepository(session).add(account_id, message.email_message_id, message)
        await conversations.save(conversation.with_message(session.now))
    return message
