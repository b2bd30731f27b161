"""Accounts and pipelines <-> documents on the chassis store port."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import PipelineSnapshot, Tier
from ticketflow_pipeline.adapters.channel_repository import CHANNEL_COLLECTION
from ticketflow_pipeline.adapters.directory_repository import (
    TEAM_COLLECTION,
    USER_COLLECTION,
    USERS,
    user_to_doc,
)
from ticketflow_pipeline.adapters.guards import (
    ACCOUNT_PIPELINES_GUARDS,
    PROPERTY_DEFINITIONS_GUARDS,
    ChangeGuards,
)
from ticketflow_pipeline.adapters.property_repository import PROPERTY_COLLECTION
from ticketflow_pipeline.adapters.token_repository import TOKEN_COLLECTION
from ticketflow_pipeline.domain.accounts import Account
from ticketflow_pipeline.domain.model import Pipeline, Retirement
from ticketflow_pipeline.domain.users import User

ACCOUNTS = "accounts"
PIPELINES = "pipelines"
RETIREMENTS = "retirements"
# One document per data upgrade a start-up has carried out (handlers/legacy_users.py).
UPGRADES = "upgrades"

COLLECTIONS = (
    Collection(ACCOUNTS),
    USER_COLLECTION,
    TEAM_COLLECTION,
    TOKEN_COLLECTION,
    Collection(
        PIPELINES,
        (
            Index(("account_id", "display_order")),
            # Backstop for two concurrent creations with one label (the domain checks first).
            Index(("account_id", "label_key"), unique=True),
        ),
        field_types={"account_id": "string", "display_order": "number", "label_key": "string"},
    ),
    Collection(RETIREMENTS),
    Collection(ACCOUNT_PIPELINES_GUARDS),
    Collection(UPGRADES),
    Collection(PROPERTY_DEFINITIONS_GUARDS),
    PROPERTY_COLLECTION,
    CHANNEL_COLLECTION,
)
MAX_PIPELINES_READ = 1000


def account_to_doc(account: Account) -> Document:
    return {
        "id": account.id,
        "name": account.name,
        "tier": account.tier.value,
        "created_at": account.created_at.isoformat(),
    }


def account_from_doc(doc: Document) -> Account:
    return Account(
        doc["id"],
        doc["name"],
        Tier(doc["tier"]),
        datetime.fromisoformat(doc["created_at"]),
        version=doc["version"],
    )


def _retirement_to_doc(retirement: Retirement | None) -> dict[str, Any] | None:
    if retirement is None:
        return None
    return {
        "id": retirement.id,
        "status_ids": list(retirement.status_ids),
        "whole_pipeline": retirement.whole_pipeline,
        "move_to_status_id": retirement.move_to_status_id,
        "then": retirement.then.model_dump(mode="json"),
    }


def _retirement_from_doc(doc: dict[str, Any] | None) -> Retirement | None:
    if doc is None:
        return None
    return Retirement(
        doc["id"],
        tuple(doc["status_ids"]),
        doc["whole_pipeline"],
        doc["move_to_status_id"],
        PipelineSnapshot.model_validate(doc["then"]),
    )


def pipeline_to_doc(pipeline: Pipeline) -> Document:
    archived = pipeline.archived
    return {
        "id": scoped_id(pipeline.account_id, pipeline.id),
        "account_id": pipeline.account_id,
        "pipeline_id": pipeline.id,
        "display_order": pipeline.state.display_order,
        "label_key": f"deleted:{pipeline.id}" if archived else pipeline.label.casefold(),
        "revision": pipeline.revision,
        "state": pipeline.state.model_dump(mode="json"),
        "retirement": _retirement_to_doc(pipeline.retirement),
    }


def pipeline_from_doc(doc: Document) -> Pipeline:
    return Pipeline(
        account_id=doc["account_id"],
        state=PipelineSnapshot.model_validate(doc["state"]),
        revision=doc["revision"],
        retirement=_retirement_from_doc(doc["retirement"]),
        version=doc["version"],
    )


class PipelineRepository:
    def __init__(self, session: Session):
        self._session = session

    async def add_account(self, account: Account, admin: User) -> None:
        await self._session.save(USERS, admin, user_to_doc(admin))
        await self._session.save(ACCOUNTS, account, account_to_doc(account))

    async def account(self, account_id: str) -> Account | None:
        doc = await self._session.get(ACCOUNTS, account_id)
        return account_from_doc(doc) if doc else None

    async def save(self, pipeline: Pipeline) -> None:
        """Insert a new pipeline or replace it at the version it was read at; record its events."""
        await self._session.save(PIPELINES, pipeline, pipeline_to_doc(pipeline))

    async def get(self, account_id: str, pipeline_id: str) -> Pipeline | None:
        doc = await self._session.get(PIPELINES, scoped_id(account_id, pipeline_id))
        return pipeline_from_doc(doc) if doc else None

    def guards(self) -> ChangeGuards:
        """The guards of the rules across the account's pipelines (their number, their order)."""
        return ChangeGuards(self._session, ACCOUNT_PIPELINES_GUARDS)

    async def all(self, account_id: str) -> list[Pipeline]:
        """Every pipeline of the account, deleted ones too (at most a few hundred)."""
        page = await self._session.find(
            PIPELINES,
            Query(
                (Eq("account_id", account_id),),
                (SortKey("display_order"),),
                limit=MAX_PIPELINES_READ,
            ),
        )
        return [pipeline_from_doc(doc) for doc in page.items]


class RetirementLog:
    """How each retirement ended, for the HTTP request waiting on it."""

    def __init__(self, session: Session):
        self._session = session

    async def open(self, account_id: str, pipeline_id: str, retirement_id: str) -> None:
        doc = {
            "id": retirement_id,
            "account_id": account_id,
            "pipeline_id": pipeline_id,
            "outcome": "pending",
            "ticket_count": 0,
            "moved_ticket_count": 0,
        }
        await self._session.put(RETIREMENTS, doc, expected_version=None)

    async def close(
        self,
        retirement_id: str,
        outcome: str,
        *,
        ticket_count: int = 0,
        moved_ticket_count: int = 0,
    ) -> None:
        doc = await self._session.get(RETIREMENTS, retirement_id)
        if doc is None or doc["outcome"] != "pending":
            return
        closed = doc | {
            "outcome": outcome,
            "ticket_count": ticket_count,
            "moved_ticket_count": moved_ticket_count,
        }
        await self._session.put(RETIREMENTS, closed, expected_version=doc["version"])

    async def get(self, account_id: str, retirement_id: str) -> Document | None:
        doc = await self._session.get(RETIREMENTS, retirement_id)
        return doc if doc is not None and doc["account_id"] == account_id else None
