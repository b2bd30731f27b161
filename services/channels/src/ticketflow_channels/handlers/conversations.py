"""Reading conversations, their messages and attachments, and intakes; for any user of the
account (another account's are not found)."""

from __future__ import annotations

from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    MessageRepository,
)
from ticketflow_channels.adapters.intake_repository import IntakeRepository
from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    StoredAttachment,
)
from ticketflow_channels.domain.errors import (
    AttachmentNotFound,
    ConversationNotFound,
    MessageNotFound,
)
from ticketflow_channels.domain.intake import Intake, IntakeStatus
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelType


async def list_conversations(
    *,
    channel: ChannelType | None,
    contact_id: str | None,
    ticket_id: str | None,
    limit: int,
    after: str | None,
    uow: UnitOfWork,
    context: MessageContext,
) -> tuple[list[Conversation], str | None]:
    async with uow.read(context) as session:
        return await ConversationRepository(session).page(
            context.account_id,
            channel=channel,
            contact_id=contact_id,
            ticket_id=ticket_id,
            limit=limit,
            after=after,
        )


async def get_conversation(
    conversation_id: str, uow: UnitOfWork, context: MessageContext
) -> Conversation:
    async with uow.read(context) as session:
        found = await ConversationRepository(session).get(context.account_id, conversation_id)
    if found is None:
        raise ConversationNotFound(conversation_id)
    return found


async def list_messages(
    conversation_id: str, limit: int, after: str | None, uow: UnitOfWork, context: MessageContext
) -> tuple[list[ConversationMessage], str | None]:
    async with uow.read(context) as session:
        if await ConversationRepository(session).get(context.account_id, conversation_id) is None:
            raise ConversationNotFound(conversation_id)
        return await MessageRepository(session).in_conversation(
            context.account_id, conversation_id, limit=limit, after=after
        )


async def get_message(
    message_id: str, uow: UnitOfWork, context: MessageContext
) -> ConversationMessage:
    async with uow.read(context) as session:
        found = await MessageRepository(session).get(context.account_id, message_id)
    if found is None:
        raise MessageNotFound(message_id)
    return found


async def get_attachment(
    message_id: str, index: int, uow: UnitOfWork, context: MessageContext
) -> StoredAttachment:
    message = await get_message(message_id, uow, context)
    if not 0 <= index < len(message.attachments):
        raise AttachmentNotFound(message_id, index)
    return message.attachments[index]


async def list_intakes(
    status: IntakeStatus, limit: int, after: str | None, uow: UnitOfWork, context: MessageContext
) -> tuple[list[Intake], str | None]:
    async with uow.read(context) as session:
        return await IntakeRepository(session).page(
            context.account_id, status, limit=limit, after=after
        )
