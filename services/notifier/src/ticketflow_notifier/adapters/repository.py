"""The notifier's ticket records <-> documents on the chassis store port."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.replica import apply_if_newer
from ticketflow_chassis.store.port import Collection, Document, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import PipelineSnapshot
from ticketflow_notifier.domain.replicas import PipelineReplica, TicketRecord

TICKETS = "tickets"
PIPELINES = "pipelines"
COLLECTIONS = (Collection(TICKETS), Collection(PIPELINES))


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


class PipelineReplicas:
    def __init__(self, session: Session):
        self._session = session

    async def apply(self, replica: PipelineReplica) -> bool:
        doc = {
            "id": scoped_id(replica.account_id, replica.pipeline.id),
            "account_id": replica.account_id,
            "snapshot": replica.pipeline.model_dump(mode="json"),
        }
        return await apply_if_newer(self._session, PIPELINES, doc, replica.revision)

    async def get(self, account_id: str, pipeline_id: str) -> PipelineReplica | None:
        doc = await self._session.get(PIPELINES, scoped_id(account_id, pipeline_id))
        if doc is None:
            return None
        snapshot = PipelineSnapshot.model_validate(doc["snapshot"])
        return PipelineReplica(doc["account_id"], doc["revision"], snapshot)
