"""Lists, search and counts of tickets on the chassis store port: a search plan's branches as
index-served queries, read in one order and merged into one page with one keyset cursor;
a plan that no declared index serves is refused before anything is read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ticketflow_chassis.store.cursors import decode_cursor, encode_cursor
from ticketflow_chassis.store.index_rule import served_by_index
from ticketflow_chassis.store.port import (
    Document,
    Eq,
    Filter,
    Query,
    Range,
    SortKey,
)
from ticketflow_chassis.uow import Session
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.adapters.repository import (
    COLLECTIONS,
    PIPELINES,
    TICKETS,
    replica_from_doc,
    stored_date,
    ticket_from_doc,
)
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.properties import PIPELINE, STATUS
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.domain.search import (
    CLOSED,
    CREATED,
    MODIFIED,
    OWNER,
    PRIORITY,
    InvalidSearch,
)
from ticketflow_ticket.domain.search_plan import Branch, Plan

_SPEC = next(c for c in COLLECTIONS if c.name == TICKETS)
FIELDS = {
    PIPELINE: "pipeline_id",
    STATUS: "status_id",
    OWNER: "owner_id",
    PRIORITY: "priority",
    CREATED: "created_at",
    MODIFIED: "updated_at",
    CLOSED: "closed_at",
}
SUPPORTED = (
    "in each filter group, hs_pipeline (the pipelines you may see when absent) with at most "
    "one of hs_pipeline_stage, hubspot_owner_id, hs_ticket_priority; sorted by createdate, "
    "hs_lastmodifieddate or closed_date (not with hs_ticket_priority); open tickets "
    "(hs_is_closed false, closed_date NOT_HAS_PROPERTY) not sorted by hs_lastmodifieddate "
    "and not with hs_ticket_priority; date filters only on the sorted property"
)
_PIPELINE_PAGE = 200


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]
    after: str | None


def _sort(plan: Plan) -> tuple[SortKey, ...]:
    return (SortKey(FIELDS[plan.sort.property], plan.sort.descending),)


def branch_filters(account_id: str, archived: bool, branch: Branch) -> tuple[Filter, ...]:
    filters: list[Filter] = [Eq("account_id", account_id), Eq("archived", archived)]
    filters += [Eq(FIELDS[name], value) for name, value in branch.equal]
    for r in branch.ranges:
        gte, lt = (stored_date(m) if m else None for m in (r.gte, r.lt))
        filters.append(Range(FIELDS[r.property], gte=gte, lt=lt))
    return tuple(filters)


def _ordered(docs: list[Document], sort: SortKey) -> list[Document]:
    """The store's order: by the sort value (missing first ascending, last descending), then
    by id in the same direction (port.ordering)."""
    return sorted(
        docs,
        key=lambda d: (d.get(sort.field) is not None, d.get(sort.field) or "", str(d["id"])),
        reverse=sort.descending,
    )


class TicketQueries:
    def __init__(self, session: Session):
        self._session = session

    async def pipelines(self, account_id: str) -> list[PipelineReplica]:
        """Every pipeline of the account the replica holds, by id."""
        query = Query((Eq("account_id", account_id),), limit=_PIPELINE_PAGE)
        return [replica_from_doc(doc) async for doc in self._session.find_all(PIPELINES, query)]

    @staticmethod
    def serves(account_id: str, archived: bool, plan: Plan) -> bool:
        return not TicketQueries._refused(account_id, archived, plan)

    @staticmethod
    def _refused(account_id: str, archived: bool, plan: Plan) -> list[int]:
        sort = _sort(plan)
        return sorted(
            {
                b.group
                for b in plan.branches
                if not served_by_index(_SPEC, branch_filters(account_id, archived, b), sort)
                or not served_by_index(_SPEC, branch_filters(account_id, archived, b), ())
            }
        )

    @staticmethod
    def check(account_id: str, archived: bool, plan: Plan) -> None:
        """InvalidSearch naming each filter group that no declared index serves."""
        refused = TicketQueries._refused(account_id, archived, plan)
        if refused:
            message = (
                f"no index serves these filters sorted by {plan.sort.property}; "
                f"supported: {SUPPORTED}"
            )
            raise InvalidSearch([ErrorDetail(message, f"filterGroups.{g}") for g in refused])

    async def page(
        self, account_id: str, archived: bool, plan: Plan, *, limit: int, after: str | None
    ) -> TicketPage:
        """One page of the union of the plan's branches: each branch is read from `after` in
        the same order, and the first `limit` of their merge (each ticket once) returned."""
        self.check(account_id, archived, plan)
        sort = _sort(plan)
        if after is not None:
            decode_cursor(after, sort)  # InvalidCursorError (400 on `after`) before any read
        docs: dict[str, Document] = {}
        more = False
        for branch in plan.branches:
            filters = branch_filters(account_id, archived, branch)
            page = await self._session.find(TICKETS, Query(filters, sort, limit, after))
            docs.update((doc["id"], doc) for doc in page.items)
            more = more or page.next_after is not None
        merged = _ordered(list(docs.values()), sort[0])
        taken = merged[:limit]
        more = more or len(merged) > limit
        cursor = encode_cursor(taken[-1], sort) if more and taken else None
        return TicketPage([ticket_from_doc(doc) for doc in taken], cursor)

    async def total(self, account_id: str, archived: bool, plan: Plan, *, at_most: int) -> int:
        """The matches up to `at_most`: each branch is counted only up to what is left of it,
        so the store stops reading there. Below it, exact for one filter group (its branches
        are disjoint); across groups a ticket that matches two is counted twice."""
        self.check(account_id, archived, plan)
        total = 0
        for branch in plan.branches:
            if total >= at_most:
                break
            filters = branch_filters(account_id, archived, branch)
            total += await self._session.count(TICKETS, filters, limit=at_most - total)
        return total

    async def status_counts(
        self, account_id: str, pipeline_id: str, status_ids: Sequence[str]
    ) -> tuple[int, dict[str, int]]:
        """Live (not archived) tickets of the pipeline, and per status: read in the caller's
        transaction, so they agree with each other."""
        live = (
            Eq("account_id", account_id),
            Eq("pipeline_id", pipeline_id),
            Eq("archived", False),
        )
        total = await self._session.count(TICKETS, live)
        by_status = {
            status_id: await self._session.count(TICKETS, (*live, Eq("status_id", status_id)))
            for status_id in status_ids
        }
        return total, by_status
