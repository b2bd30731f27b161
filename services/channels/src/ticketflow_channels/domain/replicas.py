"""What channels keeps of others' facts: accounts (from account events) and pipelines (from
pipeline snapshots, revision-checked), both owned by the pipeline service."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import AccountCreated, PipelineSnapshot, Tier


@dataclass(frozen=True)
class AccountReplica:
    account_id: str
    name: str
    tier: Tier

    @classmethod
    def from_created(cls, event: AccountCreated) -> AccountReplica:
        return cls(event.account_id, event.name, event.tier)


@dataclass(frozen=True)
class PipelineReplica:
    """A pipeline as channels needs it: whether a connection may target it."""

    account_id: str
    revision: int
    pipeline: PipelineSnapshot

    @property
    def accepts_tickets(self) -> bool:
        """A deleted pipeline (the tombstone of `pipeline.deleted`) takes no new tickets."""
        return not self.pipeline.archived
