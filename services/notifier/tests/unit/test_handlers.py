"""The notifier's ticket handlers on the in-memory store: a record is read only by whoever
may see its pipeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of, pipeline_snapshot
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import PipelineAccess, PipelineCreated, TicketCreated
from ticketflow_notifier.adapters.repository import COLLECTIONS, PIPELINES
from ticketflow_notifier.domain.access import Requester
from ticketflow_notifier.domain.errors import TicketRecordNotFound
from ticketflow_notifier.handlers.tickets import (
    GetTicketRecord,
    get_ticket_record,
    record_ticket_created,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USER = Requester("u1")
SUPER_ADMIN = Requester("admin", is_super_admin=True)


async def notifier_knowing(access: PipelineAccess | None) -> UnitOfWork:
    """A notifier that recorded ticket t1 of pipeline p1 and, unless `access` is None, holds
    p1's snapshot with that access."""
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "notifier")
    if access is not None:
        created = PipelineCreated(revision=1, pipeline=pipeline_snapshot("p1", access=access))
        await deliver(apply_pipeline_snapshots(PIPELINES), uow, envelope_of(created))
    ticket = TicketCreated(
        ticket_id="t1", pipeline_id="p1", status_id="new", subject="Secret", created_at=NOW
    )
    await deliver(record_ticket_created, uow, envelope_of(ticket))
    return uow


async def read(uow: UnitOfWork, requester: Requester) -> str | None:
    query = GetTicketRecord("t1", requester)
    return (await get_ticket_record(query, uow, MessageContext.for_request("a1"))).subject


async def test_a_user_reads_the_record_of_a_ticket_in_an_unrestricted_pipeline() -> None:
    uow = await notifier_knowing(PipelineAccess())
    assert await read(uow, USER) == "Secret"


async def test_a_ticket_of_a_pipeline_restricted_to_nobody_does_not_exist_for_a_user() -> None:
    uow = await notifier_knowing(PipelineAccess(restricted=True))
    with pytest.raises(TicketRecordNotFound):
        await read(uow, USER)
    assert await read(uow, SUPER_ADMIN) == "Secret"


async def test_a_ticket_of_a_pipeline_the_notifier_does_not_know_does_not_exist() -> None:
    uow = await notifier_knowing(None)
    with pytest.raises(TicketRecordNotFound):
        await read(uow, SUPER_ADMIN)
