"""`ticket.created` for a conversation links it to its ticket: later reads and the events of
its later messages carry the ticket; a redelivery or a second ticket changes nothing."""

from __future__ import annotations

import pytest

from ticketflow_channels.adapters.conversation_repository import ConversationRepository
from ticketflow_channels.domain.conversations import Conversation
from ticketflow_channels.handlers.tickets import link_ticket
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import SourceType, TicketCreated

from .conversation_builders import SEEDED_AT, seed_conversation

QUEUE = "channels.ticket-events"


def created(ticket_id: str = "t1", conversation_id: str | None = "c1") -> TicketCreated:
    return TicketCreated(
        ticket_id=ticket_id,
        source_type=SourceType.EMAIL,
        pipeline_id="default",
        status_id="1",
        created_at=SEEDED_AT,
        conversation_id=conversation_id,
        contact_id="p-c1",
    )


async def conversation(uow: UnitOfWork, conversation_id: str = "c1") -> Conversation | None:
    async with uow.read(MessageContext.for_request("a1")) as session:
        return await ConversationRepository(session).get("a1", conversation_id)


async def tickets_listed(uow: UnitOfWork, ticket_id: str) -> list[str]:
    async with uow.read(MessageContext.for_request("a1")) as session:
        found, _ = await ConversationRepository(session).page(
            "a1", channel=None, contact_id=None, ticket_id=ticket_id, limit=10, after=None
        )
    return [c.id for c in found]


async def test_a_ticket_created_for_a_conversation_links_it(uow: UnitOfWork) -> None:
    await seed_conversation(uow)

    await deliver(link_ticket, uow, envelope_of(created()), QUEUE)

    linked = await conversation(uow)
    assert linked is not None
    assert linked.ticket_id == "t1"
    assert await tickets_listed(uow, "t1") == ["c1"]


async def test_a_conversation_keeps_its_first_ticket_and_a_redelivery_is_dropped(
    uow: UnitOfWork,
) -> None:
    await seed_conversation(uow)
    first = envelope_of(created())
    await deliver(link_ticket, uow, first, QUEUE)

    with pytest.raises(DuplicateMessage):
        await deliver(link_ticket, uow, first, QUEUE)
    await deliver(link_ticket, uow, envelope_of(created("t2")), QUEUE)

    linked = await conversation(uow)
    assert linked is not None
    assert linked.ticket_id == "t1"


async def test_tickets_without_a_conversation_or_of_an_unknown_one_change_nothing(
    uow: UnitOfWork,
) -> None:
    await seed_conversation(uow)

    await deliver(link_ticket, uow, envelope_of(created(conversation_id=None)), QUEUE)
    await deliver(link_ticket, uow, envelope_of(created(conversation_id="nope")), QUEUE)

    unlinked = await conversation(uow)
    assert unlinked is not None
    assert unlinked.ticket_id is None
