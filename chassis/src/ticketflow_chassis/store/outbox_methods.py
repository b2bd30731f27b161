"""The store port's outbox and inbox-expiry methods, once for the adapters that keep them in
an object of their own (sqlite_outbox.py, mongo_outbox.py): each adapter says which object."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ticketflow_chassis.store.port import OutboxEntry


class StoredOutbox(Protocol):
    async def due(self, limit: int, now: datetime) -> list[OutboxEntry]: ...

    async def entries(self, *, parked_only: bool) -> list[OutboxEntry]: ...

    async def remove(self, message_ids: Sequence[str]) -> None: ...

    async def failed(
        self, message_id: str, error: str, retry_at: datetime | None, now: datetime
    ) -> None: ...

    async def unpark(self, message_ids: Sequence[str] | None) -> int: ...

    async def expire_processed(self, before: datetime) -> int: ...


class OutboxMethods(ABC):
    @abstractmethod
    def _outbox(self) -> StoredOutbox: ...

    async def outbox_due(self, limit: int, now: datetime) -> list[OutboxEntry]:
        return await self._outbox().due(limit, now)

    async def outbox_entries(self, *, parked_only: bool = False) -> list[OutboxEntry]:
        return await self._outbox().entries(parked_only=parked_only)

    async def remove_from_outbox(self, message_ids: Sequence[str]) -> None:
        await self._outbox().remove(message_ids)

    async def outbox_failed(
        self, message_id: str, error: str, *, retry_at: datetime | None, now: datetime
    ) -> None:
        await self._outbox().failed(message_id, error, retry_at, now)

    async def outbox_unpark(self, message_ids: Sequence[str] | None = None) -> int:
        return await self._outbox().unpark(message_ids)

    async def expire_processed(self, before: datetime) -> int:
        return await self._outbox().expire_processed(before)
