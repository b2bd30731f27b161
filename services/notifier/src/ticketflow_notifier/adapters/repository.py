"""The notifier's ticket records <-> documents on the chassis store port, and its pipeline
replica (the chassis' snapshot replica)."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.directory_replica import TEAM_COLLECTION, USER_COLLECTION
from ticketflow_chassis.replica import pipeline_replicas
from ticketflow_chassis.store.port import Collection, Document
from ticketflow_chassis.uow import Session
from ticketflow_notifier.domain.replicas import PipelineReplica, TicketRecord

TICKETS = "tickets"
PIPELINES = "pipelines"
# The directory replica (chassis directory_replica): users, and teams with their members.
COLLECTIONS = (Collection(TICKETS), Collection(PIPELINES), USER_COLLECTION, TEAM_COLLECTION)


def record_to_doc(record: TicketRecord) -> Document:
    return {
        "id": record.ticket_id,
        "account_id": record.account_id,
        "pipeline_id": record.pipeline_id,
        "status_id": record.status_id,
        "subject": record.subject,
        "owner_id": record.owner_id,
        "source_type": record.source_type,
        "created_at": record.created_at.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
    }


def record_from_doc(doc: Document) -> TicketRecord:
    return TicketRecord(
        ticket_id=doc["id"],
        account_id=doc["account_id"],
        pipeline_id=doc["pipeline_id"],
        status_id=doc["status_id"],
        subject=doc["subject"],
        owner_id=doc["owner_id"],
        source_type=doc["source_type"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        recorded_at=datetime.fromisoformat(doc["recorded_at"]),
    )


class TicketRecords:
    def __init__(self, session: Session):
        self._session = session

    async def add(self, record: TicketRecord) -> None:
        await self._session.put(TICKETS, record_to_doc(record), expected_version=None)

    async def get(self, account_id: str, ticket_id: str) -> TicketRecord | None:
        doc = await self._session.get(TICKETS, ticket_id)
        if doc is None or doc["account_id"] != account_id:
            return None
        return record_from_doc(doc)


async def pipeline_replica(
    session: Session, account_id: str, pipeline_id: str
) -> PipelineReplica | None:
    held = await pipeline_replicas(session, PIPELINES).get(account_id, pipeline_id)
    return PipelineReplica(held.account_id, held.revision, held.snapshot) if held else None
