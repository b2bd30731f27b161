"""Intakes <-> documents: `intakes` `<account_id>:<intake_id>`, listed by status for
operators (what failed, what waits)."""

from __future__ import annotations

from datetime import datetime

from ticketflow_channels.domain.intake import Intake, IntakeStatus, IntakeTransport
from ticketflow_chassis.store.port import (
    Collection,
    Document,
    Eq,
    Index,
    Query,
    SortKey,
    scoped_id,
    stored_time,
)
from ticketflow_chassis.uow import Session

INTAKES = "intakes"
INTAKE_COLLECTION = Collection(
    INTAKES,
    (Index(("account_id", "status", "received_at")),),
    field_types={"account_id": "string", "status": "string", "received_at": "string"},
)


def intake_to_doc(intake: Intake) -> Document:
    return {
        "id": scoped_id(intake.account_id, intake.id),
        "intake_id": intake.id,
        "account_id": intake.account_id,
        "connection_id": intake.connection_id,
        "transport": intake.transport.value,
        "recipient": intake.recipient,
        "mail_from": intake.mail_from,
        "raw_sha256": intake.raw_sha256,
        "size": intake.size,
        "received_at": stored_time(intake.received_at),
        "status": intake.status.value,
        "reason": intake.reason,
        "message_id": intake.message_id,
    }


def intake_from_doc(doc: Document) -> Intake:
    return Intake(
        id=doc["intake_id"],
        account_id=doc["account_id"],
        connection_id=doc["connection_id"],
        transport=IntakeTransport(doc["transport"]),
        recipient=doc["recipient"],
        mail_from=doc["mail_from"],
        raw_sha256=doc["raw_sha256"],
        size=doc["size"],
        received_at=datetime.fromisoformat(doc["received_at"]),
        status=IntakeStatus(doc["status"]),
        reason=doc["reason"],
        message_id=doc["message_id"],
        version=doc["version"],
    )


class IntakeRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, intake_id: str) -> Intake | None:
        doc = await self._session.get(INTAKES, scoped_id(account_id, intake_id))
        return intake_from_doc(doc) if doc else None

    async def save(self, intake: Intake) -> None:
        await self._session.put(INTAKES, intake_to_doc(intake), expected_version=intake.version)

    async def page(
        self, account_id: str, status: IntakeStatus, *, limit: int, after: str | None
    ) -> tuple[list[Intake], str | None]:
        query = Query(
            (Eq("account_id", account_id), Eq("status", status.value)),
            (SortKey("received_at"),),
            limit,
            after,
        )
        page = await self._session.find(INTAKES, query)
        return [intake_from_doc(doc) for doc in page.items], page.next_after
