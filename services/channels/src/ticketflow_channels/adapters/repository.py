"""The channels service's account replica <-> documents on the chassis store port."""

from __future__ import annotations

from ticketflow_channels.domain.replicas import AccountReplica
from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.uow import Session
from ticketflow_contracts import Tier

ACCOUNTS = "accounts"
COLLECTIONS = (Collection(ACCOUNTS),)


class AccountReplicas:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str) -> AccountReplica | None:
        doc = await self._session.get(ACCOUNTS, account_id)
        return AccountReplica(doc["id"], doc["name"], Tier(doc["tier"])) if doc else None

    async def save(self, account: AccountReplica) -> None:
        current = await self._session.get(ACCOUNTS, account.account_id)
        doc = {"id": account.account_id, "name": account.name, "tier": account.tier.value}
        await self._session.put(
            ACCOUNTS, doc, expected_version=current["version"] if current else None
        )
