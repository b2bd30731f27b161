"""Idempotency-Key on ticket creation: a key's record (the request's fingerprint and the tickets
it created, by input index) and the ids derived from the key, so that a repeated request (a
batch cut off and retried, too) creates each of its inputs exactly once."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_ticket.domain.errors import IdempotencyKeyReused

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_KEY_RECORDS = uuid.UUID("0f4d3c1e-8a52-4b8e-9d3a-51c2f7e0b6a4")


def key_record_id(account_id: str, user_id: str, key: str) -> str:
    """Keys are the user's own (as moves' `job_id_for`): another user's same key is another."""
    return str(uuid.uuid5(_KEY_RECORDS, f"{account_id}\n{user_id}\n{key}"))


def keyed_ticket_id(account_id: str, user_id: str, key: str, index: int) -> str:
    """The id of input `index` of the request that came with `key`: numeric like HubSpot's
    (48 bits, as `chassis.ids.numeric_id`), the same on every attempt, so a retry finds the
    ticket."""
    digest = hashlib.sha256(f"{account_id}\n{user_id}\n{key}\n{index}".encode()).digest()
    return str(int.from_bytes(digest[:6], "big"))


def request_fingerprint(operation: str, inputs: Sequence[Mapping[str, str | None]]) -> str:
    """What a repeated request must match: the operation and every input's properties."""
    canonical = json.dumps(
        {"operation": operation, "inputs": [dict(i) for i in inputs]},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class KeyRecord:
    """The answer so far to the request that first came with `key`: the ticket created for
    each input index. It is written in the unit of work that creates each of them."""

    id: str
    account_id: str
    user_id: str
    key: str
    fingerprint: str
    created_at: datetime
    ticket_ids: dict[int, str] = field(default_factory=dict)
    version: int | None = None

    @classmethod
    def open(
        cls, account_id: str, user_id: str, key: str, fingerprint: str, now: datetime
    ) -> KeyRecord:
        record_id = key_record_id(account_id, user_id, key)
        return cls(record_id, account_id, user_id, key, fingerprint, now)

    def created_for(self, fingerprint: str, index: int) -> str | None:
        """The ticket the key created for input `index` (None: not yet); a different request
        under the same key is refused."""
        if fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(self.key)
        return self.ticket_ids.get(index)

    def record(self, index: int, ticket_id: str) -> None:
        self.ticket_ids[index] = ticket_id
