"""Change guards (domain/guards.py) <-> documents: one collection per rule, one document per
account, kept apart from the account so writing a guard never conflicts with an account
change."""

from __future__ import annotations

from ticketflow_chassis.uow import Session
from ticketflow_pipeline.domain.guards import ChangeGuard

# How many pipelines the account has, and their order.
ACCOUNT_PIPELINES_GUARDS = "account_pipelines_guards"
# How many custom ticket properties the account has.
PROPERTY_DEFINITIONS_GUARDS = "property_definitions_guards"


class ChangeGuards:
    def __init__(self, session: Session, collection: str):
        self._session = session
        self._collection = collection

    async def get(self, account_id: str) -> ChangeGuard:
        doc = await self._session.get(self._collection, account_id)
        if doc is None:
            return ChangeGuard(account_id)
        return ChangeGuard(account_id, doc["changes"], doc["version"])

    async def record_change(self, account_id: str) -> None:
        """Read and write the guard in one go, for a change that needs nothing else of it."""
        await self.save(await self.get(account_id))

    async def save(self, guard: ChangeGuard) -> None:
        """Counts one more change, at the version it was read: of two concurrent writers, one
        fails (ConflictError on SQLite, one after the other; a write conflict on MongoDB)."""
        guard.record_change()
        doc = {"id": guard.account_id, "account_id": guard.account_id, "changes": guard.changes}
        stored = await self._session.put(self._collection, doc, expected_version=guard.version)
        guard.version = stored["version"]
