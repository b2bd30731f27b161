"""Tickets, pipeline gates and the pipeline replica <-> documents on the chassis store port.

A ticket document keeps its property values under `properties` and, beside them, the fields
that lists and search filter and sort on (pipeline, status, owner, priority, source, dates
as fixed-width ISO-8601 UTC text, so that ranges and order compare as text).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from ticketflow_chassis.directory_replica import USER_COLLECTION
from ticketflow_chassis.store.port import (
    Collection,
    Document,
    Eq,
    Filter,
    In,
    Index,
    Query,
    scoped_id,
)
from ticketflow_chassis.uow import Session
from ticketflow_contracts import PipelineSnapshot
from ticketflow_ticket.adapters.account_repository import ACCOUNT_COLLECTION
from ticketflow_ticket.adapters.channel_repository import CHANNEL_COLLECTIONS
from ticketflow_ticket.adapters.idempotency_keys import COLLECTION as IDEMPOTENCY_KEYS
from ticketflow_ticket.adapters.move_jobs import COLLECTION as MOVE_JOBS
from ticketflow_ticket.adapters.move_jobs import GUARD_COLLECTION as MOVE_SOURCE_GUARDS
from ticketflow_ticket.adapters.property_repository import COLLECTION as PROPERTY_DEFINITIONS
from ticketflow_ticket.adapters.timeline_repository import COLLECTION as TIMELINE
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica

TICKETS = "tickets"
PIPELINES = "pipelines"
# Apart from PIPELINES so that replica updates never conflict with ticket creation.
PIPELINE_GATES = "pipeline_gates"
PAGE_SIZE = 500

# Search and lists (ticket_queries.py): each read is equalities on account_id, archived,
# pipeline_id and at most one of status_id/owner_id/priority (closed_at null: open tickets),
# then one sort date; date ranges only on that date. README lists what this serves. Without
# pipeline_id (a requester who sees every pipeline): (account_id, archived, created_at) above,
# and updated_at for "modified since" syncs.
SEARCH_INDEXES = (
    Index(("account_id", "archived", "updated_at")),
    *(
        Index(("account_id", "archived", "pipeline_id", *fields))
        for fields in (
            ("created_at",),
            ("updated_at",),
            ("closed_at", "created_at"),
            ("status_id", "created_at"),
            ("status_id", "updated_at"),
            ("status_id", "closed_at", "created_at"),
            ("owner_id", "created_at"),
            ("owner_id", "updated_at"),
            ("owner_id", "closed_at", "created_at"),
            ("priority", "created_at"),
            ("priority", "updated_at"),
        )
    ),
)

COLLECTIONS = (
    Collection(
        TICKETS,
        (
            Index(("account_id", "archived", "created_at")),
            # Live tickets of a pipeline, or of some of its statuses: the retirement saga.
            Index(("account_id", "pipeline_id", "archived", "status_id")),
            *SEARCH_INDEXES,
        ),
        field_types={
            "account_id": "string",
            "archived": "boolean",
            "pipeline_id": "string",
            "status_id": "string",
            "owner_id": "string",
            "priority": "string",
            "created_at": "string",
            "updated_at": "string",
            "closed_at": "string",
        },
    ),
    Collection(
        PIPELINES,
        (Index(("account_id", "pipeline_id")),),
        field_types={"account_id": "string", "pipeline_id": "string"},
    ),
    Collection(PIPELINE_GATES),
    PROPERTY_DEFINITIONS,
    MOVE_JOBS,  # bulk-move jobs (move_jobs.py)
    MOVE_SOURCE_GUARDS,  # written by every start of a move out of a pipeline (move_jobs.py)
    TIMELINE,  # the timeline read model (timeline_repository.py)
    IDEMPOTENCY_KEYS,  # Idempotency-Key records of creations (idempotency_keys.py)
    USER_COLLECTION,  # the users replica: ticket owners (chassis directory_replica.py)
    *CHANNEL_COLLECTIONS,  # connections replica, conversations' tickets (channel_repository.py)
    ACCOUNT_COLLECTION,  # the accounts replica: tiers, for the triggers (account_repository.py)
)


def _date(value: datetime | None) -> str | None:
    """Fixed width (always microseconds, always UTC), so that text order is time order."""
    return stored_date(value) if value else None


def stored_date(value: datetime) -> str:
    """A moment as ticket documents hold it: for range filters on the dates."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def ticket_to_doc(ticket: Ticket) -> Document:
    return {
        "id": ticket.id,
        "account_id": ticket.account_id,
        "pipeline_id": ticket.pipeline_id,
        "status_id": ticket.status_id,
        "properties": dict(ticket.values),
        "owner_id": ticket.owner_id,
        "priority": ticket.priority,
        "source_type": ticket.source_type.value if ticket.source_type else None,
        "created_at": _date(ticket.created_at),
        "updated_at": _date(ticket.updated_at),
        "closed_at": _date(ticket.closed_at),
        "archived": ticket.archived,
        "archived_at": _date(ticket.archived_at),
        "contact_id": ticket.contact_id,
        "conversation_id": ticket.conversation_id,
    }


# The first tickets were stored with these fields instead of `properties`.
_LEGACY_FIELDS = {
    "subject": "subject",
    "content": "content",
    "priority": "hs_ticket_priority",
    "owner_id": "hubspot_owner_id",
    "source_type": "source_type",
}


def ticket_from_doc(doc: Document) -> Ticket:
    values = doc.get("properties")
    if values is None:
        values = {name: doc[key] for key, name in _LEGACY_FIELDS.items() if doc.get(key)}
    return Ticket(
        id=doc["id"],
        account_id=doc["account_id"],
        pipeline_id=doc["pipeline_id"],
        status_id=doc["status_id"],
        values=dict(values),
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        closed_at=_parse_date(doc.get("closed_at")),
        archived=doc["archived"],
        archived_at=_parse_date(doc.get("archived_at")),
        contact_id=doc.get("contact_id"),
        conversation_id=doc.get("conversation_id"),
        version=doc["version"],
    )


def replica_from_doc(doc: Document) -> PipelineReplica:
    return PipelineReplica(
        doc["account_id"], doc["revision"], PipelineSnapshot.model_validate(doc["snapshot"])
    )


def gate_to_doc(gate: PipelineGate) -> Document:
    return {
        "id": scoped_id(gate.account_id, gate.pipeline_id),
        "account_id": gate.account_id,
        "pipeline_id": gate.pipeline_id,
        "closed_status_ids": sorted(gate.closed_status_ids),
        "pipeline_closed": gate.pipeline_closed,
        "admissions": gate.admissions,
    }


def gate_from_doc(doc: Document) -> PipelineGate:
    return PipelineGate(
        account_id=doc["account_id"],
        pipeline_id=doc["pipeline_id"],
        closed_status_ids=frozenset(doc["closed_status_ids"]),
        pipeline_closed=doc["pipeline_closed"],
        admissions=doc["admissions"],
        version=doc["version"],
    )


def _live_tickets(
    account_id: str, pipeline_id: str, status_ids: Sequence[str] | None
) -> tuple[Filter, ...]:
    filters: tuple[Filter, ...] = (
        Eq("account_id", account_id),
        Eq("pipeline_id", pipeline_id),
        Eq("archived", False),
    )
    if status_ids is None:
        return filters
    if len(status_ids) == 1:
        return (*filters, Eq("status_id", status_ids[0]))
    return (*filters, In("status_id", tuple(status_ids)))


class TicketRepository:
    def __init__(self, session: Session):
        self._session = session

    async def add(self, ticket: Ticket) -> None:
        await self._session.save(TICKETS, ticket, ticket_to_doc(ticket))

    async def save(self, ticket: Ticket) -> None:
        """Write a changed ticket at the version it was read (ConflictError otherwise)."""
        await self._session.save(TICKETS, ticket, ticket_to_doc(ticket))

    async def get(self, account_id: str, ticket_id: str) -> Ticket | None:
        doc = await self._session.get(TICKETS, ticket_id)
        if doc is None or doc["account_id"] != account_id:
            return None
        return ticket_from_doc(doc)

    async def count_live(
        self, account_id: str, pipeline_id: str, status_ids: Sequence[str] | None = None
    ) -> int:
        """Tickets not archived in the pipeline (in `status_ids` when given)."""
        filters = _live_tickets(account_id, pipeline_id, status_ids)
        return await self._session.count(TICKETS, filters)

    async def live_in_status(
        self, account_id: str, pipeline_id: str, status_id: str
    ) -> AsyncIterator[Ticket]:
        """The tickets not archived in one status, page by page in id order (the index's
        order); changing them while iterating is fine."""
        query = Query(_live_tickets(account_id, pipeline_id, [status_id]), limit=PAGE_SIZE)
        async for doc in self._session.find_all(TICKETS, query):
            yield ticket_from_doc(doc)

    # -- bulk moves (handlers/moves.py) --
    async def live_page(
        self, account_id: str, pipeline_id: str, status_id: str, *, after: str | None, limit: int
    ) -> tuple[list[Ticket], str | None]:
        """One page of the live tickets of a status in id order, and the cursor past it (None
        after the last page): keyset paging on (account_id, pipeline_id, archived, status_id)."""
        filters = _live_tickets(account_id, pipeline_id, [status_id])
        page = await self._session.find(TICKETS, Query(filters, limit=limit, after=after))
        return [ticket_from_doc(doc) for doc in page.items], page.next_after

    async def gate(self, account_id: str, pipeline_id: str) -> PipelineGate:
        """The pipeline's gate; an open one when it was never written."""
        doc = await self._session.get(PIPELINE_GATES, scoped_id(account_id, pipeline_id))
        return gate_from_doc(doc) if doc else PipelineGate(account_id, pipeline_id)

    async def save_gate(self, gate: PipelineGate) -> None:
        """Write the gate at the version it was read: of two concurrent transactions that
        both write it, one fails with ConflictError (SQLite runs them one after the other)."""
        stored = await self._session.put(
            PIPELINE_GATES, gate_to_doc(gate), expected_version=gate.version
        )
        gate.version = stored["version"]

    async def pipeline(self, account_id: str, pipeline_id: str) -> PipelineReplica | None:
        doc = await self._session.get(PIPELINES, scoped_id(account_id, pipeline_id))
        return replica_from_doc(doc) if doc else None
