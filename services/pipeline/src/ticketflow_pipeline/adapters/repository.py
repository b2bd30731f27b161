"""Accounts, users and pipelines <-> documents on the chassis store port."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey
from ticketflow_chassis.uow import Session
from ticketflow_contracts import TicketState, Tier
from ticketflow_pipeline.domain.accounts import Account, User
from ticketflow_pipeline.domain.model import Pipeline, Status

ACCOUNTS = "accounts"
USERS = "users"
PIPELINES = "pipelines"

COLLECTIONS = (
    Collection(ACCOUNTS),
    Collection(USERS, (Index(("account_id", "email"), unique=True),)),
    Collection(PIPELINES, (Index(("account_id", "display_order")),)),
)


def pipeline_doc_id(account_id: str, pipeline_id: str) -> str:
    return f"{account_id}:{pipeline_id}"


def account_to_doc(account: Account) -> Document:
    return {
        "id": account.id,
        "name": account.name,
        "tier": account.tier.value,
        "created_at": account.created_at.isoformat(),
    }


def user_to_doc(user: User) -> Document:
    return {
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "roles": sorted(user.roles),
        "teams": sorted(user.teams),
    }


def pipeline_to_doc(pipeline: Pipeline) -> Document:
    return {
        "id": pipeline_doc_id(pipeline.account_id, pipeline.id),
        "account_id": pipeline.account_id,
        "pipeline_id": pipeline.id,
        "label": pipeline.label,
        "display_order": pipeline.display_order,
        "archived": pipeline.archived,
        "revision": pipeline.revision,
        "created_at": pipeline.created_at.isoformat(),
        "updated_at": pipeline.updated_at.isoformat(),
        "statuses": [
            {
                "id": s.id,
                "label": s.label,
                "display_order": s.display_order,
                "ticket_state": s.ticket_state.value,
                "created_at": s.created_at.isoformat(),
                "updated_at": s.updated_at.isoformat(),
            }
            for s in pipeline.statuses
        ],
    }


def pipeline_from_doc(doc: Document) -> Pipeline:
    return Pipeline(
        account_id=doc["account_id"],
        id=doc["pipeline_id"],
        label=doc["label"],
        display_order=doc["display_order"],
        archived=doc["archived"],
        revision=doc["revision"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        statuses=[
            Status(
                id=s["id"],
                label=s["label"],
                display_order=s["display_order"],
                ticket_state=TicketState(s["ticket_state"]),
                created_at=datetime.fromisoformat(s["created_at"]),
                updated_at=datetime.fromisoformat(s["updated_at"]),
            )
            for s in doc["statuses"]
        ],
    )


def account_from_doc(doc: Document) -> Account:
    return Account(
        doc["id"], doc["name"], Tier(doc["tier"]), datetime.fromisoformat(doc["created_at"])
    )


class PipelineRepository:
    def __init__(self, session: Session):
        self._session = session

    async def add_account(self, account: Account, admin: User) -> None:
        await self._session.put(ACCOUNTS, account_to_doc(account), expected_version=None)
        await self._session.put(USERS, user_to_doc(admin), expected_version=None)
        for event in account.events:
            await self._session.record(event)

    async def add_pipeline(self, pipeline: Pipeline) -> None:
        await self._session.put(PIPELINES, pipeline_to_doc(pipeline), expected_version=None)
        for event in pipeline.events:
            await self._session.record(event)

    async def get_pipeline(self, account_id: str, pipeline_id: str) -> Pipeline | None:
        doc = await self._session.get(PIPELINES, pipeline_doc_id(account_id, pipeline_id))
        return pipeline_from_doc(doc) if doc else None

    async def list_pipelines(self, account_id: str) -> list[Pipeline]:
        page = await self._session.find(
            PIPELINES,
            Query((Eq("account_id", account_id),), (SortKey("display_order"),), limit=1000),
        )
        return [pipeline_from_doc(doc) for doc in page.items]
