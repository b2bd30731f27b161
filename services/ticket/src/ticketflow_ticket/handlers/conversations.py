"""Tickets from connected channels (`conversation.message_received`): the message that opened
a conversation on a connection that creates tickets creates one ticket, in the connection's
pipeline, by automation, with the contact and the conversation associated; once per
conversation, however often and by however many instances the message is handled. The
connections replica (`channel_connection.*`) is kept here too."""

from __future__ import annotations

from ticketflow_chassis.replica_wait import wait_for_replica
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import (
    ChannelConnectionEvent,
    ChannelConnectionSnapshot,
    ConversationMessageReceived,
    Envelope,
)
from ticketflow_ticket.adapters.channel_repository import ConversationTickets, connection_replicas
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.adapters.timeline_repository import TimelineRepository
from ticketflow_ticket.domain import conversations, timeline
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import ReplicaBehind
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.handlers.tickets import CreateTicket, create_in

# A connection that targets a pipeline created a moment ago: its snapshot may come later.
PIPELINE_WAIT_SECONDS = 2.0


async def apply_channel_connection(
    event: ChannelConnectionEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    await uow.retrying(_apply_connection_once, event, uow, context)


async def _apply_connection_once(
    event: ChannelConnectionEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        connection = event.connection
        await connection_replicas(session).apply(
            context.account_id, connection.id, event.revision, connection
        )


async def create_conversation_ticket(
    envelope: Envelope[ConversationMessageReceived],
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_wait_seconds: float = PIPELINE_WAIT_SECONDS,
) -> Ticket | None:
    """The ticket the message creates; None when it creates none (domain/conversations.py
    says which do), or when its conversation has one already. A pipeline the replica does
    not hold after the bounded wait raises ReplicaBehind (retried, then dead-lettered)."""
    event = envelope.payload
    if not conversations.opened_its_thread(event):
        return None
    async with uow.read(context) as session:
        connection = await _connection(session, event)
        if not conversations.opens_ticket(event, connection) or await _ticket_of(session, event):
            return None
    assert connection is not None
    account_id, pipeline_id = context.account_id, connection.pipeline_id

    async def pipeline_known(session: Session) -> bool:
        return await TicketRepository(session).pipeline(account_id, pipeline_id) is not None

    await wait_for_replica(uow, context, pipeline_known, seconds=pipeline_wait_seconds)
    return await uow.retrying(_create_once, envelope, uow, context)


async def _create_once(
    envelope: Envelope[ConversationMessageReceived], uow: UnitOfWork, context: MessageContext
) -> Ticket | None:
    event, account_id = envelope.payload, context.account_id
    async with uow.begin(context) as session:
        # Again inside the unit: the connection may have changed, another instance may have won.
        connection = await _connection(session, event)
        if not conversations.opens_ticket(event, connection) or await _ticket_of(session, event):
            return None
        assert connection is not None
        if await TicketRepository(session).pipeline(account_id, connection.pipeline_id) is None:
            raise ReplicaBehind(
                f"pipeline {connection.pipeline_id!r} of channel connection {connection.id!r} "
                "is not in the ticket service's replica yet"
            )
        ticket = await create_in(session, _creation(event, connection, account_id), context)
        await ConversationTickets(session).link(account_id, event.thread_id, ticket.id)
        await _show_opening_message(session, envelope, ticket.id)
    return ticket


def _creation(
    event: ConversationMessageReceived, connection: ChannelConnectionSnapshot, account_id: str
) -> CreateTicket:
    return CreateTicket(
        Requester.automation(f"channel-connection:{connection.id}"),
        conversations.conversation_ticket_id(account_id, event.thread_id),
        conversations.ticket_properties(event, connection),
        contact_id=event.contact_id,
        conversation_id=event.thread_id,
    )


async def _show_opening_message(
    session: Session, envelope: Envelope[ConversationMessageReceived], ticket_id: str
) -> None:
    """The first message's timeline entry, with the ticket: its event came without one (the
    timeline consumer, which may see it first, finds no ticket then; afterwards it finds this
    entry and adds none)."""
    entry = timeline.entry_for(
        envelope.payload.model_copy(update={"ticket_id": ticket_id}),
        message_id=str(envelope.message_id),
        account_id=envelope.account_id,
        occurred_at=envelope.occurred_at,
    )
    if entry is not None:
        await TimelineRepository(session).add(entry)


async def _connection(
    session: Session, event: ConversationMessageReceived
) -> ChannelConnectionSnapshot | None:
    if event.channel_connection_id is None:
        return None
    held = await connection_replicas(session).get(
        session.context.account_id, event.channel_connection_id
    )
    return held.snapshot if held is not None else None


async def _ticket_of(session: Session, event: ConversationMessageReceived) -> str | None:
    return await ConversationTickets(session).ticket_of(session.context.account_id, event.thread_id)
