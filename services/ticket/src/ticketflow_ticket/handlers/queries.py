"""Reading many tickets: the list, search, batch read and the board's counts. Each reads only
the pipelines the requester may see, so another pipeline's tickets are absent, never an error."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.auth import ObjectNotFoundError
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.adapters.repository import TicketRepository
from ticketflow_ticket.adapters.ticket_queries import TicketPage, TicketQueries
from ticketflow_ticket.domain import access
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.search import SearchRequest, parse_search, search_window
from ticketflow_ticket.domain.search_plan import Plan, plan


@dataclass(frozen=True)
class SearchTickets:
    """HubSpot's search body, as domain/search.py parsed it."""

    requester: Requester
    request: SearchRequest
    archived: bool = False


@dataclass(frozen=True)
class ListTickets:
    requester: Requester
    limit: int
    after: str | None = None
    archived: bool = False


@dataclass(frozen=True)
class ReadTickets:
    """HubSpot's batch read: the ids in the order asked (duplicates read once)."""

    requester: Requester
    ticket_ids: tuple[str, ...]
    archived: bool = False


@dataclass(frozen=True)
class CountTickets:
    """The board's counts of one pipeline."""

    requester: Requester
    pipeline_id: str


@dataclass(frozen=True)
class SearchResult:
    tickets: list[Ticket]
    after: str | None
    total: int


async def _plan(
    queries: TicketQueries,
    account_id: str,
    archived: bool,
    requester: Requester,
    request: SearchRequest,
) -> Plan:
    """The request over the pipelines (and their statuses) the requester may see; when that is
    all of them, without a pipeline equality wherever an index serves that (one read)."""
    replicas = await queries.pipelines(account_id)
    statuses = {
        replica.pipeline.id: [s.id for s in replica.pipeline.statuses]
        for replica in replicas
        if access.may_view(replica, requester)
    }
    if statuses and len(statuses) == len(replicas):
        whole = plan(request, statuses, every_pipeline=True)
        if queries.serves(account_id, archived, whole):
            return whole
    return plan(request, statuses)


async def search_tickets(
    command: SearchTickets, uow: UnitOfWork, context: MessageContext
) -> SearchResult:
    """HubSpot's search: one page (in one transaction with its total), both stopping at
    HubSpot's 10,000 results (domain/search.py's MAX_RESULTS)."""
    request, archived = command.request, command.archived
    async with uow.read(context) as session:
        queries = TicketQueries(session)
        window = search_window(request)
        the_plan = await _plan(queries, context.account_id, archived, command.requester, request)
        page = await queries.page(
            context.account_id, archived, the_plan, limit=window.limit, after=window.keyset
        )
        total = await queries.total(context.account_id, archived, the_plan, at_most=window.cap)
    return SearchResult(page.tickets, window.next_after(len(page.tickets), page.after), total)


async def list_tickets(
    command: ListTickets, uow: UnitOfWork, context: MessageContext
) -> TicketPage:
    """The tickets of the pipelines the requester may see, by creation then id: a search
    without filters, so every page is full but the last."""
    limit, after, archived = command.limit, command.after, command.archived
    request = parse_search({"limit": limit, "after": after})
    async with uow.read(context) as session:
        queries = TicketQueries(session)
        the_plan = await _plan(queries, context.account_id, archived, command.requester, request)
        return await queries.page(context.account_id, archived, the_plan, limit=limit, after=after)


@dataclass(frozen=True)
class BatchRead:
    found: list[Ticket]
    missing: list[str]


async def read_tickets(command: ReadTickets, uow: UnitOfWork, context: MessageContext) -> BatchRead:
    """An id of another account, of a pipeline the requester may not see, or archived-ness
    other than `archived` is missing."""
    found: list[Ticket] = []
    missing: list[str] = []
    pipelines: dict[str, PipelineReplica | None] = {}
    async with uow.read(context) as session:
        repository = TicketRepository(session)
        for ticket_id in dict.fromkeys(command.ticket_ids):
            ticket = await repository.get(context.account_id, ticket_id)
            if ticket is not None and ticket.pipeline_id not in pipelines:
                pipelines[ticket.pipeline_id] = await repository.pipeline(
                    context.account_id, ticket.pipeline_id
                )
            if (
                ticket is None
                or ticket.archived != command.archived
                or not access.may_view(pipelines[ticket.pipeline_id], command.requester)
            ):
                missing.append(ticket_id)
            else:
                found.append(ticket)
    return BatchRead(found, missing)


@dataclass(frozen=True)
class PipelineCounts:
    pipeline_id: str
    total: int
    by_status: dict[str, int]


async def count_tickets(
    command: CountTickets, uow: UnitOfWork, context: MessageContext
) -> PipelineCounts:
    """Live tickets of the pipeline per status (display order), counted in one transaction
    from the tickets themselves; 404 for a pipeline the requester may not see."""
    pipeline_id = command.pipeline_id
    async with uow.read(context) as session:
        replica = await TicketRepository(session).pipeline(context.account_id, pipeline_id)
        if replica is None or not access.may_view(replica, command.requester):
            raise ObjectNotFoundError(f"pipeline {pipeline_id!r} does not exist")
        status_ids = [s.id for s in replica.ordered_statuses()]
        total, by_status = await TicketQueries(session).status_counts(
            context.account_id, pipeline_id, status_ids
        )
    return PipelineCounts(pipeline_id, total, by_status)
