"""The accounts replica: each account's tier (status-update triggers act from Starter up),
fed by `account.created`. `accounts` documents are `<account_id>`."""

from __future__ import annotations

from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.uow import Session
from ticketflow_contracts import AccountCreated, Tier

ACCOUNTS = "accounts"
ACCOUNT_COLLECTION = Collection(ACCOUNTS)


class AccountTiers:
    def __init__(self, session: Session):
        self._session = session

    async def tier(self, account_id: str) -> Tier | None:
        doc = await self._session.get(ACCOUNTS, account_id)
        return Tier(doc["tier"]) if doc else None

    async def save(self, event: AccountCreated) -> None:
        current = await self._session.get(ACCOUNTS, event.account_id)
        doc = {"id": event.account_id, "tier": event.tier.value}
        await self._session.put(
            ACCOUNTS, doc, expected_version=current["version"] if current else None
        )
