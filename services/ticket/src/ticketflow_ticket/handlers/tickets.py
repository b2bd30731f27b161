"""Creating and reading one ticket (lists and search: queries.py); a creation passes its
pipeline's gate (domain/gates.py). A pipeline the requester may not see hides its tickets.
A creation with an Idempotency-Key (`create_keyed_ticket`) happens once per key and input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_ticket.adapters.idempotency_keys import IdempotencyKeyRepository
from ticketflow_ticket.adapters.property_repository import PropertyDefinitionRepository
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.domain import access, rules
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import TicketNotFound
from ticketflow_ticket.domain.idempotency import KeyRecord, key_record_id, keyed_ticket_id
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.handlers.owners import OWNER_WAIT_SECONDS, await_owner, owners_of


@dataclass(frozen=True)
class CreateTicket:
    """`properties` are HubSpot's, hs_pipeline and hs_pipeline_stage included (both may be
    left out: domain/rules.py `placement`)."""

    requester: Requester
    ticket_id: str
    properties: Mapping[str, str | None] = field(default_factory=dict)
    owner_wait_seconds: float = OWNER_WAIT_SECONDS
    contact_id: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class CreateKeyedTicket:
    """Input `index` of a creation request that came with an Idempotency-Key; `fingerprint`
    is the whole request's (domain/idempotency.py `request_fingerprint`). Its ticket id is
    derived from the key and the index."""

    requester: Requester
    idempotency_key: str
    fingerprint: str
    index: int
    properties: Mapping[str, str | None] = field(default_factory=dict)
    owner_wait_seconds: float = OWNER_WAIT_SECONDS


@dataclass(frozen=True)
class KeyedTicket:
    ticket: Ticket
    replayed: bool  # the key had created this ticket before


@dataclass(frozen=True)
class GetTicket:
    """HubSpot's `archived` flag: an archived ticket is found only with `archived=True`."""

    requester: Requester
    ticket_id: str
    archived: bool = False


async def create_ticket(command: CreateTicket, uow: UnitOfWork, context: MessageContext) -> Ticket:
    """Reads and writes the pipeline's gate with the ticket, so that it cannot commit beside
    a closing of its status; one that loses that race is retried (and then sees the
    closing), and after a few losses the ConflictError surfaces (HTTP 409). An owner the
    user replica does not hold yet is waited for first (handlers/owners.py)."""
    await await_owner(command.properties, uow, context, command.owner_wait_seconds)
    return await uow.retrying(_create_once, command, uow, context)


async def _create_once(command: CreateTicket, uow: UnitOfWork, context: MessageContext) -> Ticket:
    async with uow.begin(context) as session:
        ticket = await create_in(session, command, context)
    return ticket


async def create_in(session: Session, command: CreateTicket, context: MessageContext) -> Ticket:
    """The ticket created in `session` (the caller's unit of work), its gate saved with it."""
    place = rules.placement(command.properties)
    repository = TicketRepository(session)
    pipeline = access.entered_pipeline(
        await repository.pipeline(context.account_id, place.pipeline_id), command.requester
    )
    gate = await repository.gate(context.account_id, place.pipeline_id)
    definitions = await PropertyDefinitionRepository(session).definitions(
        context.account_id, place.values
    )
    ticket = Ticket.create(
        ticket_id=command.ticket_id,
        account_id=context.account_id,
        pipeline=pipeline,
        gate=gate,
        pipeline_id=place.pipeline_id,
        status_id=place.status_id,
        values=place.values,
        definitions=definitions,
        owners=await owners_of(session, context.account_id, place.values),
        requester=command.requester,
        now=session.now,
        contact_id=command.contact_id,
        conversation_id=command.conversation_id,
    )
    await repository.add(ticket)
    await repository.save_gate(gate)
    return ticket


async def create_keyed_ticket(
    command: CreateKeyedTicket, uow: UnitOfWork, context: MessageContext
) -> KeyedTicket:
    """The ticket the key created for this input before (replayed), or a new one, written in
    one unit of work with the key's record. A concurrent attempt under the same key loses the
    record's version race, is retried, and finds the winner's ticket."""
    await await_owner(command.properties, uow, context, command.owner_wait_seconds)
    return await uow.retrying(_create_keyed_once, command, uow, context)


async def _create_keyed_once(
    command: CreateKeyedTicket, uow: UnitOfWork, context: MessageContext
) -> KeyedTicket:
    account_id, user_id = context.account_id, command.requester.user_id
    key, index = command.idempotency_key, command.index
    async with uow.begin(context) as session:
        records = IdempotencyKeyRepository(session)
        record = await records.get(account_id, key_record_id(account_id, user_id, key))
        if record is None:
            record = KeyRecord.open(account_id, user_id, key, command.fingerprint, session.now)
        known = record.created_for(command.fingerprint, index)
        earlier = await TicketRepository(session).get(account_id, known) if known else None
        if earlier is not None:
            return KeyedTicket(earlier, replayed=True)
        ticket_id = keyed_ticket_id(account_id, user_id, key, index)
        creation = CreateTicket(command.requester, ticket_id, command.properties)
        ticket = await create_in(session, creation, context)
        record.record(index, ticket.id)
        await records.save(record)
    return KeyedTicket(ticket, replayed=False)


async def get_ticket(command: GetTicket, uow: UnitOfWork, context: MessageContext) -> Ticket:
    async with uow.read(context) as session:
        ticket, _ = await visible_ticket(
            TicketRepository(session), context.account_id, command.ticket_id, command.requester
        )
    if ticket.archived != command.archived:
        raise TicketNotFound(command.ticket_id)
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
