"""What channels keeps of accounts (owned by the pipeline service), from account events."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import AccountCreated, Tier


@dataclass(frozen=True)
class AccountReplica:
    account_id: str
    name: str
    tier: Tier

    @classmethod
    def from_created(cls, event: AccountCreated) -> AccountReplica:
        return cls(event.account_id, event.name, event.tier)
