"""Recording the tickets the notifier hears of."""

from __future__ import annotations

from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketCreated
from ticketflow_notifier.adapters.repository import TicketRecords
from ticketflow_notifier.domain.errors import TicketRecordNotFound
from ticketflow_notifier.domain.replicas import TicketRecord


async def record_ticket_created(uow: UnitOfWork, message: Received[TicketCreated]) -> None:
    async with uow.begin(message.context) as session:
        record = TicketRecord.from_created(
            message.envelope.account_id, message.payload, session.now
        )
        await TicketRecords(session).add(record)


async def get_ticket_record(
    uow: UnitOfWork, context: MessageContext, ticket_id: str
) -> TicketRecord:
    async with uow.begin(context) as session:
        record = await TicketRecords(session).get(context.account_id, ticket_id)
    if record is None:
        raise TicketRecordNotFound(ticket_id)
    return record
