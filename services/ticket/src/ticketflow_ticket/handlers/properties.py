"""Keeping the replica of custom ticket property definitions, applied only when newer."""

from __future__ import annotations

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketPropertyEvent
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.domain.properties import PropertyDefinitionReplica


async def apply_property_definition(
    event: TicketPropertyEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_apply_property_definition_once, event, uow, context)


async def _apply_property_definition_once(
    event: TicketPropertyEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    replica = PropertyDefinitionReplica(context.account_id, event.revision, event.definition)
    async with uow.begin(context) as session:
        await PropertyDefinitionRepository(session).save(replica)
