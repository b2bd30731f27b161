"""The MongoDB adapter's `_outbox` and `_inbox` collections: their indexes, and the relay's
and the operators' reads and updates of delivery state (times are BSON dates). Inbox marks
expire by a TTL index on `processed_at`; `expire_processed` also removes what the TTL
monitor has not reached yet and marks stored as text before processed_at was a date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from ticketflow_chassis.store.mongo_query import ASCENDING, MONGO_ID
from ticketflow_chassis.store.port import OutboxEntry, OutboxMessage, stored_time

OUTBOX, INBOX = "_outbox", "_inbox"
_INDEX_OPTIONS_CONFLICT = 85
_INBOX_TTL_INDEX = "ix_processed_at_ttl"

Raw = dict[str, Any]
_RESET = {"attempts": 0, "last_error": None, "next_attempt_at": None, "parked_at": None}


def outbox_document(message: OutboxMessage, seq: int) -> Raw:
    return {
        MONGO_ID: message.message_id,
        "seq": seq,
        "exchange": message.exchange,
        "routing_key": message.routing_key,
        "body": message.body,
        "headers": dict(message.headers),
        "ordering_key": message.ordering_key,
        "attempts": 0,
        "last_error": None,
        "next_attempt_at": None,
        "parked_at": None,
    }


async def create_indexes(db: AsyncDatabase[Raw], inbox_retention: timedelta) -> None:
    await db[OUTBOX].create_index([("seq", ASCENDING), (MONGO_ID, ASCENDING)], name="ix_seq")
    # What holds keys back (outbox_due): few documents, found without a scan.
    await db[OUTBOX].create_index([("next_attempt_at", ASCENDING)], name="ix_next_attempt_at")
    await db[OUTBOX].create_index([("parked_at", ASCENDING)], name="ix_parked_at")
    seconds = int(inbox_retention.total_seconds())
    try:
        await db[INBOX].create_index(
            [("processed_at", ASCENDING)], name=_INBOX_TTL_INDEX, expireAfterSeconds=seconds
        )
    except OperationFailure as exc:
        if exc.code != _INDEX_OPTIONS_CONFLICT:
            raise
        # The retention changed since the index was built: change it in place.
        await db.command(
            "collMod", INBOX, index={"name": _INBOX_TTL_INDEX, "expireAfterSeconds": seconds}
        )


class MongoOutbox:
    def __init__(self, db: AsyncDatabase[Raw]):
        self._outbox = db[OUTBOX]
        self._inbox = db[INBOX]

    async def due(self, limit: int, now: datetime) -> list[OutboxEntry]:
        if limit <= 0:
            return []  # MongoDB reads a limit of 0 as "no limit"
        held = await self._outbox.aggregate(
            [
                {
                    "$match": {
                        "$or": [{"parked_at": {"$ne": None}}, {"next_attempt_at": {"$gt": now}}]
                    }
                },
                {"$group": {"_id": "$ordering_key", "since": {"$min": "$seq"}}},
            ]
        )
        behind = [{"ordering_key": h[MONGO_ID], "seq": {"$gt": h["since"]}} async for h in held]
        query: Raw = {
            "parked_at": None,
            "$or": [{"next_attempt_at": None}, {"next_attempt_at": {"$lte": now}}],
        }
        if behind:
            query["$nor"] = behind
        stored = await self._outbox.find(
            query, sort=[("seq", ASCENDING), (MONGO_ID, ASCENDING)], limit=limit
        ).to_list()
        return [_entry(s) for s in stored]

    async def entries(self, *, parked_only: bool) -> list[OutboxEntry]:
        query: Raw = {"parked_at": {"$ne": None}} if parked_only else {}
        stored = await self._outbox.find(
            query, sort=[("seq", ASCENDING), (MONGO_ID, ASCENDING)]
        ).to_list()
        return [_entry(s) for s in stored]

    async def remove(self, message_ids: Sequence[str]) -> None:
        if message_ids:
            await self._outbox.delete_many({MONGO_ID: {"$in": list(message_ids)}})

    async def failed(
        self, message_id: str, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        await self._outbox.update_one(
            {MONGO_ID: message_id},
            {
                "$inc": {"attempts": 1},
                "$set": {
                    "last_error": error,
                    "next_attempt_at": retry_at,
                    "parked_at": now if retry_at is None else None,
                },
            },
        )

    async def unpark(self, message_ids: Sequence[str] | None) -> int:
        query: Raw = (
            {"parked_at": {"$ne": None}}
            if message_ids is None
            else {MONGO_ID: {"$in": list(message_ids)}}
        )
        result = await self._outbox.update_many(query, {"$set": _RESET})
        return result.matched_count

    async def expire_processed(self, before: datetime) -> int:
        """The TTL index removes expired marks by itself (within a minute or so of their
        expiry); this deletes those it has not reached yet, and text-dated older ones."""
        result = await self._inbox.delete_many(
            {
                "$or": [
                    {"processed_at": {"$lt": before}},
                    {"processed_at": {"$type": "string", "$lt": stored_time(before)}},
                ]
            }
        )
        return result.deleted_count


def _entry(stored: Raw) -> OutboxEntry:
    return OutboxEntry(
        int(stored["seq"]),
        OutboxMessage(
            stored[MONGO_ID],
            stored["exchange"],
            stored["routing_key"],
            bytes(stored["body"]),
            stored["headers"],
            stored.get("ordering_key", ""),
        ),
        attempts=int(stored.get("attempts", 0)),
        last_error=stored.get("last_error"),
        next_attempt_at=stored.get("next_attempt_at"),
        parked_at=stored.get("parked_at"),
    )
