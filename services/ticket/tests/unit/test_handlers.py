"""Ticket handlers on the in-memory store: replica convergence and ticket creation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    Envelope,
    PipelineAccess,
    PipelineSnapshot,
    PipelineUpdated,
    StatusSnapshot,
    TicketState,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS, TicketRepository
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket, TicketNotFound
from ticketflow_ticket.handlers.tickets import CreateTicket, GetTicket, create_ticket, get_ticket

from .builders import apply_pipeline_snapshot, placed

ADMIN = Requester("u1", is_super_admin=True)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def snapshot_message(
    revision: int, label: str, account_id: str = "a1", access: PipelineAccess | None = None
) -> Envelope[PipelineUpdated]:
    status = StatusSnapshot(
        id="1",
        label="New",
        display_order=0,
        ticket_state=TicketState.OPEN,
        created_at=NOW,
        updated_at=NOW,
    )
    payload = PipelineUpdated(
        revision=revision,
        pipeline=PipelineSnapshot(
            id="default",
            label=label,
            display_order=0,
            statuses=[status],
            created_at=NOW,
            updated_at=NOW,
            access=access or PipelineAccess(),
        ),
    )
    return envelope_of(payload, account_id=account_id, occurred_at=NOW, producer="pipeline")


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    return UnitOfWork(store, "ticket", clock=lambda: NOW)


async def replica_label(uow: UnitOfWork, account_id: str = "a1") -> str | None:
    async with uow.begin(MessageContext.for_request(account_id, None)) as session:
        replica = await TicketRepository(session).pipeline(account_id, "default")
    return replica.pipeline.label if replica else None


async def test_the_replica_converges_whatever_the_order_and_duplication(uow: UnitOfWork) -> None:
    third, first, second = (
        snapshot_message(3, "v3"),
        snapshot_message(1, "v1"),
        snapshot_message(2, "v2"),
    )
    for message in (third, first, second):
        await deliver(apply_pipeline_snapshot, uow, message)
    with pytest.raises(DuplicateMessage):
        await deliver(apply_pipeline_snapshot, uow, first)

    assert await replica_label(uow) == "v3"


async def test_a_ticket_is_created_and_its_event_is_in_the_outbox(uow: UnitOfWork) -> None:
    await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Support"))
    context = MessageContext.for_request("a1", None)

    ticket = await create_ticket(
        CreateTicket(
            ADMIN, "t1", placed("default", "1", {"subject": "Hi", "source_type": "EMAIL"})
        ),
        uow,
        context,
    )

    assert (await get_ticket(GetTicket(ADMIN, "t1"), uow, context)).subject == "Hi"
    [entry] = await uow.store.outbox_entries()
    assert entry.message.routing_key == "ticket.created.email"
    assert json.loads(entry.message.body)["payload"]["ticket_id"] == ticket.id


async def test_a_refused_ticket_leaves_nothing_behind(uow: UnitOfWork) -> None:
    context = MessageContext.for_request("a1", None)
    with pytest.raises(InvalidTicket):
        await create_ticket(CreateTicket(ADMIN, "t1", placed("default", "1")), uow, context)
    with pytest.raises(TicketNotFound):
        await get_ticket(GetTicket(ADMIN, "t1"), uow, context)
    assert await uow.store.outbox_entries() == []


async def test_another_accounts_ticket_is_not_found(uow: UnitOfWork) -> None:
    await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Support"))
    await create_ticket(
        CreateTicket(ADMIN, "t1", placed("default", "1")),
        uow,
        MessageContext.for_request("a1", None),
    )

    with pytest.raises(TicketNotFound):
        await get_ticket(GetTicket(ADMIN, "t1"), uow, MessageContext.for_request("a2", None))


async def test_another_accounts_pipeline_is_not_ours(uow: UnitOfWork) -> None:
    await deliver(apply_pipeline_snapshot, uow, snapshot_message(1, "Theirs", account_id="a2"))
    assert await replica_label(uow, "a1") is None
