"""Recording the tickets the notifier hears of, and reading what it recorded."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketCreated
from ticketflow_notifier.adapters.repository import TicketRecords, pipeline_replica
from ticketflow_notifier.domain.access import Requester, may_view
from ticketflow_notifier.domain.errors import TicketRecordNotFound
from ticketflow_notifier.domain.replicas import TicketRecord


@dataclass(frozen=True)
class GetTicketRecord:
    ticket_id: str
    requester: Requester


async def record_ticket_created(
    event: TicketCreated, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_record_ticket_created_once, event, uow, context)


async def _record_ticket_created_once(
    event: TicketCreated, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        record = TicketRecord.from_created(context.account_id, event, session.now)
        await TicketRecords(session).add(record)


async def get_ticket_record(
    query: GetTicketRecord, uow: UnitOfWork, context: MessageContext
) -> TicketRecord:
    async with uow.read(context) as session:
        record = await TicketRecords(session).get(context.account_id, query.ticket_id)
        pipeline = (
            await pipeline_replica(session, context.account_id, record.pipeline_id)
            if record is not None
            else None
        )
    if record is None or not may_view(pipeline, query.requester):
        raise TicketRecordNotFound(query.ticket_id)
    return record
