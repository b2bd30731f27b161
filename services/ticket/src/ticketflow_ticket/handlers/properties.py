"""Keeping the replica of custom ticket property definitions, applied only when newer."""

from __future__ import annotations

from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import TicketPropertyEvent
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.domain.properties import PropertyDefinitionReplica


async def apply_property_definition(
    uow: UnitOfWork, message: Received[TicketPropertyEvent]
) -> None:
    replica = PropertyDefinitionReplica(
        message.envelope.account_id, message.payload.revision, message.payload.definition
    )
    async with uow.begin(message.context) as session:
        await PropertyDefinitionRepository(session).save(replica)
