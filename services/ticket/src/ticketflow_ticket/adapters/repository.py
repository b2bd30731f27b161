"""Tickets and the pipeline replica <-> documents on the chassis store port."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.store.port import Collection, Document, Index
from ticketflow_chassis.uow import Session
from ticketflow_contracts import PipelineSnapshot, SourceType
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica

TICKETS = "tickets"
PIPELINES = "pipelines"

COLLECTIONS = (
    Collection(
        TICKETS,
        (
            Index(("account_id", "pipeline_id", "status_id", "created_at")),
            Index(("account_id", "archived", "created_at")),
        ),
    ),
    Collection(PIPELINES, (Index(("account_id", "pipeline_id")),)),
)


def pipeline_doc_id(account_id: str, pipeline_id: str) -> str:
    return f"{account_id}:{pipeline_id}"


def ticket_to_doc(ticket: Ticket) -> Document:
    return {
        "id": ticket.id,
        "account_id": ticket.account_id,
        "pipeline_id": ticket.pipeline_id,
        "status_id": ticket.status_id,
        "subject": ticket.subject,
        "content": ticket.content,
        "priority": ticket.priority,
        "owner_id": ticket.owner_id,
        "source_type": ticket.source_type.value if ticket.source_type else None,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "archived": ticket.archived,
    }


def ticket_from_doc(doc: Document) -> Ticket:
    return Ticket(
        id=doc["id"],
        account_id=doc["account_id"],
        pipeline_id=doc["pipeline_id"],
        status_id=doc["status_id"],
        subject=doc["subject"],
        content=doc["content"],
        priority=doc["priority"],
        owner_id=doc["owner_id"],
        source_type=SourceType(doc["source_type"]) if doc["source_type"] else None,
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        archived=doc["archived"],
        version=doc["version"],
    )


def replica_to_doc(replica: PipelineReplica) -> Document:
    return {
        "id": pipeline_doc_id(replica.account_id, replica.pipeline.id),
        "account_id": replica.account_id,
        "pipeline_id": replica.pipeline.id,
        "revision": replica.revision,
        "snapshot": replica.pipeline.model_dump(mode="json"),
    }


def replica_from_doc(doc: Document) -> PipelineReplica:
    return PipelineReplica(
        doc["account_id"], doc["revision"], PipelineSnapshot.model_validate(doc["snapshot"])
    )


class TicketRepository:
    def __init__(self, session: Session):
        self._session = session

    async def add(self, ticket: Ticket) -> None:
        await self._session.put(TICKETS, ticket_to_doc(ticket), expected_version=None)
        for event in ticket.events:
            await self._session.record(event)

    async def get(self, account_id: str, ticket_id: str) -> Ticket | None:
        doc = await self._session.get(TICKETS, ticket_id)
        if doc is None or doc["account_id"] != account_id:
            return None
        return ticket_from_doc(doc)

    async def pipeline(self, account_id: str, pipeline_id: str) -> PipelineReplica | None:
        doc = await self._session.get(PIPELINES, pipeline_doc_id(account_id, pipeline_id))
        return replica_from_doc(doc) if doc else None

    async def save_pipeline(self, replica: PipelineReplica) -> bool:
        """Store the snapshot if it is newer than the one held; False when it was not."""
        doc_id = pipeline_doc_id(replica.account_id, replica.pipeline.id)
        current_doc = await self._session.get(PIPELINES, doc_id)
        current = replica_from_doc(current_doc) if current_doc else None
        if not replica.supersedes(current):
            return False
        expected = current_doc["version"] if current_doc else None
        await self._session.put(PIPELINES, replica_to_doc(replica), expected_version=expected)
        return True
