"""Creating and reading tickets (lists and search: queries.py); a creation passes its
pipeline's gate (domain/gates.py). A pipeline the requester may not see hides its tickets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ticketflow_chassis.retry import retry_on_conflict
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica


@dataclass(frozen=True)
class CreateTicket:
    """`properties` are HubSpot's, other than hs_pipeline and hs_pipeline_stage."""

    ticket_id: str
    pipeline_id: str
    status_id: str | None
    properties: Mapping[str, str | None] = field(default_factory=dict)


async def create_ticket(
    uow: UnitOfWork, context: MessageContext, command: CreateTicket, requester: Requester
) -> Ticket:
    """Reads and writes the pipeline's gate with the ticket, so that it cannot commit beside
    a closing of its status; one that loses that race is retried (and then sees the
    closing), and after a few losses the ConflictError surfaces (HTTP 409)."""
    return await retry_on_conflict(lambda: _create_once(uow, context, command, requester))


async def _create_once(
    uow: UnitOfWork, context: MessageContext, command: CreateTicket, requester: Requester
) -> Ticket:
    async with uow.begin(context) as session:
        repository = TicketRepository(session)
        pipeline = await repository.pipeline(context.account_id, command.pipeline_id)
        if not access.may_view(pipeline, requester):
            pipeline = None  # a pipeline the user may not see does not exist for them
        elif pipeline is not None:
            access.require_edit(pipeline, requester)
        gate = await repository.gate(context.account_id, command.pipeline_id)
        definitions = await PropertyDefinitionRepository(session).definitions(
            context.account_id, command.properties
        )
        ticket = Ticket.create(
            ticket_id=command.ticket_id,
            account_id=context.account_id,
            pipeline=pipeline,
            gate=gate,
            pipeline_id=command.pipeline_id,
            status_id=command.status_id,
            values=command.properties,
            definitions=definitions,
            requester=requester,
            now=session.now,
        )
        await repository.add(ticket)
        await repository.save_gate(gate)
    return ticket


async def visible_ticket(
    repository: TicketRepository, account_id: str, ticket_id: str, requester: Requester
) -> tuple[Ticket, PipelineReplica]:
    """The ticket (archived or not) and its pipeline; TicketNotFound when the account has no
    such ticket or the requester may not see its pipeline."""
    ticket = await repository.get(account_id, ticket_id)
    pipeline = await repository.pipeline(account_id, ticket.pipeline_id) if ticket else None
    if ticket is None or pipeline is None or not access.may_view(pipeline, requester):
        raise TicketNotFound(ticket_id)
    return ticket, pipeline


async def get_ticket(
    uow: UnitOfWork,
    context: MessageContext,
    ticket_id: str,
    requester: Requester,
    *,
    archived: bool = False,
) -> Ticket:
    """HubSpot's `archived` flag: an archived ticket is found only with `archived=True`."""
    async with uow.begin(context) as session:
        ticket, _ = await visible_ticket(
            TicketRepository(session), context.account_id, ticket_id, requester
        )
    if ticket.archived != archived:
        raise TicketNotFound(ticket_id)
    return ticket
