"""Timeline entries <-> documents of the `timeline` collection on the chassis store port.

One document per entry, keyed `<account_id>:<message_id>`; a ticket's timeline is read newest
first over the index (account_id, ticket_id, occurred_at), with keyset paging. Times are
fixed-width ISO-8601 UTC text, so text order is time order.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import Actor
from ticketflow_ticket.domain.timeline import (
    DETAILS_TYPES,
    Details,
    EntryType,
    PropertyChange,
    PropertyChanges,
    TimelineEntry,
)

TIMELINE = "timeline"
COLLECTION = Collection(
    TIMELINE,
    (Index(("account_id", "ticket_id", "occurred_at")),),
    field_types={"account_id": "string", "ticket_id": "string", "occurred_at": "string"},
)
NEWEST_FIRST = (SortKey("occurred_at", descending=True),)


def entry_to_doc(entry: TimelineEntry) -> Document:
    return {
        "id": scoped_id(entry.account_id, entry.id),
        "entry_id": entry.id,
        "account_id": entry.account_id,
        "ticket_id": entry.ticket_id,
        "type": entry.type.value,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor.model_dump(mode="json") if entry.actor else None,
        "details": dataclasses.asdict(entry.details),
    }


def entry_from_doc(doc: Document) -> TimelineEntry:
    entry_type = EntryType(doc["type"])
    actor = doc.get("actor")
    return TimelineEntry(
        id=doc["entry_id"],
        account_id=doc["account_id"],
        ticket_id=doc["ticket_id"],
        type=entry_type,
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
        details=_details_from_doc(entry_type, doc["details"]),
        actor=Actor.model_validate(actor) if actor else None,
    )


def _details_from_doc(entry_type: EntryType, data: dict[str, Any]) -> Details:
    if entry_type is EntryType.PROPERTIES_CHANGED:
        changes = data.get("changes", [])
        return PropertyChanges(tuple(PropertyChange(**_known(PropertyChange, c)) for c in changes))
    cls = DETAILS_TYPES[entry_type]
    return cls(**_known(cls, data))


def _known(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    """The stored fields the class still has (a later version may have written more)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


class TimelineRepository:
    def __init__(self, session: Session):
        self._session = session

    def add_new(self, entry: TimelineEntry) -> None:
        """Append the entry of an event recorded in this unit of work (written with the
        unit's others at its end): its id, the event's message id just drawn, cannot be
        taken, so there is nothing to look up first."""
        self._session.append(TIMELINE, entry_to_doc(entry))

    async def add(self, entry: TimelineEntry) -> bool:
        """Insert the entry; False when it is there already (its event came again)."""
        doc_id = scoped_id(entry.account_id, entry.id)
        if await self._session.get(TIMELINE, doc_id) is not None:
            return False
        await self._session.put(TIMELINE, entry_to_doc(entry), expected_version=None)
        return True

    async def page(
        self, account_id: str, ticket_id: str, *, limit: int, after: str | None
    ) -> tuple[list[TimelineEntry], str | None]:
        """One page of the ticket's entries, newest first, and the next cursor."""
        filters = (Eq("account_id", account_id), Eq("ticket_id", ticket_id))
        query = Query(filters, sort=NEWEST_FIRST, limit=limit, after=after)
        page = await self._session.find(TIMELINE, query)
        return [entry_from_doc(doc) for doc in page.items], page.next_after
