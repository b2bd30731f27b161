"""Test data for sending: a connected inbox, a contact and a conversation between them, written
through the repositories (the way ingestion will write them), with an optional inbound
message to reply to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from ticketflow_channels.adapters.contact_repository import ContactRepository
from ticketflow_channels.adapters.conversation_repository import (
    ConversationRepository,
    EmailIdRepository,
    MessageRepository,
)
from ticketflow_channels.adapters.repository import ConnectionRepository
from ticketflow_channels.domain.connections import ChannelConnection
from ticketflow_channels.domain.contacts import Contact
from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    Participant,
)
from ticketflow_channels.domain.thread_tokens import new_thread_token
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import (
    ChannelConnectionSnapshot,
    ChannelType,
    MessageClassification,
    MessageDirection,
)

SEEDED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
INBOX = "help@acme.test"
CUSTOMER = "ada@example.org"


@dataclass(frozen=True)
class Seeded:
    conversation: Conversation
    inbound: ConversationMessage | None


def inbound_message(conversation: Conversation, email_message_id: str) -> ConversationMessage:
    return ConversationMessage(
        id="m-in-1",
        account_id=conversation.account_id,
        channel=conversation.channel,
        direction=MessageDirection.INCOMING,
        occurred_at=SEEDED_AT,
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        sender=Participant(CUSTOMER, "Ada"),
        recipients=(Participant(INBOX),),
        subject=conversation.subject,
        text="My printer is on fire",
        email_message_id=email_message_id,
        references=("root@example.org",),
        classification=MessageClassification.NEW,
        connection_id=conversation.connection_id,
    )


async def seed_conversation(
    uow: UnitOfWork,
    account_id: str = "a1",
    *,
    conversation_id: str = "c1",
    customer: str | None = CUSTOMER,
    channel: ChannelType = ChannelType.EMAIL,
    connected: bool = True,
    subject: str = "Printer on fire",
    token: str | None = None,
    reply_to: str | None = "in-1@example.org",
) -> Seeded:
    """The conversation, with an inbound message of Message-ID `reply_to` (None: none)."""
    connection_id = f"inbox-{conversation_id}"
    address = INBOX if channel is ChannelType.EMAIL else "Website chat"
    state = ChannelConnectionSnapshot(
        id=connection_id,
        type=channel,
        address=address,
        pipeline_id="default",
        connected=connected,
        created_at=SEEDED_AT,
        updated_at=SEEDED_AT,
    )
    async with uow.begin(MessageContext(account_id, uuid.uuid4())) as session:
        await ConnectionRepository(session).save(ChannelConnection(account_id, state, revision=1))
        contact = Contact.from_email(f"p-{conversation_id}", account_id, CUSTOMER, "Ada", SEEDED_AT)
        if customer is None:
            contact.state = contact.state.model_copy(update={"email": None})
        await ContactRepository(session).save(contact)
        conversation = Conversation(
            id=conversation_id,
            account_id=account_id,
            channel=channel,
            connection_id=connection_id,
            contact_id=contact.id,
            subject=subject,
            token=token or new_thread_token(),
            created_at=SEEDED_AT,
            last_message_at=SEEDED_AT,
            message_count=1 if reply_to else 0,
        )
        await ConversationRepository(session).save(conversation)
        inbound = None
        if reply_to is not None:
            inbound = inbound_message(conversation, reply_to)
            await MessageRepository(session).save(inbound)
            await EmailIdRepository(session).add(account_id, reply_to, inbound)
    async with uow.read(MessageContext(account_id, uuid.uuid4())) as session:
        stored = await ConversationRepository(session).get(account_id, conversation_id)
    assert stored is not None
    return Seeded(stored, inbound)
