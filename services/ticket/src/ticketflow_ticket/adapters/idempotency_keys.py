"""Idempotency-Key records <-> documents (`<account>:<record id>`) on the chassis store port."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_chassis.store.port import Collection, Document, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_ticket.domain.idempotency import KeyRecord

IDEMPOTENCY_KEYS = "idempotency_keys"
# Read only by id, derived from (account, user, key): the primary key serves the lookup, and
# no query runs on the collection, so it declares no other index.
COLLECTION = Collection(IDEMPOTENCY_KEYS)


def record_to_doc(record: KeyRecord) -> Document:
    return {
        "id": scoped_id(record.account_id, record.id),
        "record_id": record.id,
        "account_id": record.account_id,
        "user_id": record.user_id,
        "key": record.key,
        "fingerprint": record.fingerprint,
        "created_at": record.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        # Pairs, not an object: object keys are text in every store, the index is a number.
        "tickets": [[index, ticket_id] for index, ticket_id in sorted(record.ticket_ids.items())],
    }


def record_from_doc(doc: Document) -> KeyRecord:
    return KeyRecord(
        id=doc["record_id"],
        account_id=doc["account_id"],
        user_id=doc["user_id"],
        key=doc["key"],
        fingerprint=doc["fingerprint"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        ticket_ids={int(index): ticket_id for index, ticket_id in doc["tickets"]},
        version=doc["version"],
    )


class IdempotencyKeyRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, record_id: str) -> KeyRecord | None:
        doc = await self._session.get(IDEMPOTENCY_KEYS, scoped_id(account_id, record_id))
        return record_from_doc(doc) if doc else None

    async def save(self, record: KeyRecord) -> None:
        """At the version it was read (insert-only when new): two attempts under one key
        cannot both record an input; the loser is retried and finds the winner's ticket."""
        doc = record_to_doc(record)
        stored = await self._session.put(IDEMPOTENCY_KEYS, doc, expected_version=record.version)
        record.version = stored["version"]
