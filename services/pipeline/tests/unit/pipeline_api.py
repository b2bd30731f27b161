"""Test support: the pipeline service's HTTP API on the in-memory store, tokens, and checks
that a change recorded its event (or that a refusal recorded nothing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http import build_api_router
from ticketflow_pipeline.handlers.teams import CreateTeam, create_team
from ticketflow_pipeline.handlers.users import CreateUser, create_user

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
OPERATOR = Principal("platform", "ops", frozenset({Role.OPERATOR}), frozenset())
EDITOR_ROLE = frozenset({Role.PROPERTY_SETTINGS_EDITOR})
CRM = "/crm/v3/pipelines/tickets"
SETTINGS = "/settings/v1/ticket-pipelines"
BILLING = {
    "label": "Billing",
    "displayOrder": 1,
    "stages": [
        {"label": "Open", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
        {"label": "Done", "displayOrder": 1, "metadata": {"ticketState": "CLOSED"}},
    ],
}
Headers = dict[str, str]


def bearer(principal: Principal) -> Headers:
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


def user(
    account_id: str, user_id: str, *, editor: bool = True, teams: set[str] | None = None
) -> Headers:
    """A token for another user of the account: a property-settings editor unless told not."""
    roles = EDITOR_ROLE if editor else frozenset()
    return bearer(Principal(account_id, user_id, roles, frozenset(teams or ())))


def member(account_id: str, *roles: Role, user_id: str | None = None) -> Headers:
    """A token for a user of the account with exactly these roles."""
    who = user_id or f"u-{uuid.uuid4().hex[:6]}"
    return bearer(Principal(account_id, who, frozenset(roles), frozenset()))


def fields(response: httpx.Response) -> list[str | None]:
    return [e.get("in") for e in response.json()["errors"]]


class Api:
    def __init__(self, client: httpx.AsyncClient, store: MemoryStore, uow: UnitOfWork):
        self.client, self.store, self.uow = client, store, uow

    async def account(self, tier: str = "professional") -> tuple[str, Headers]:
        """Open an account through the operator API; its id and its super admin's headers."""
        body = {"name": f"Acme {uuid.uuid4().hex[:6]}", "tier": tier, "admin_email": "a@b.co"}
        response = await self.client.post("/admin/v1/accounts", json=body, headers=bearer(OPERATOR))
        assert response.status_code == 201, response.text
        opened = response.json()
        return opened["account_id"], {"Authorization": f"Bearer {opened['token']}"}

    async def directory(
        self, account_id: str, *, users: tuple[str, ...] = (), teams: tuple[str, ...] = ()
    ) -> None:
        """Give the account users and teams with these ids (grants and recipients must name
        existing ones); the API makes its own ids, tests name theirs."""
        context = MessageContext.for_request(account_id)
        for team_id in teams:
            await create_team(CreateTeam(team_id, f"Team {team_id}"), self.uow, context)
        for user_id in users:
            await create_user(CreateUser(user_id, f"{user_id}@example.com"), self.uow, context)

    async def outbox(self) -> list[dict[str, Any]]:
        return [json.loads(e.message.body) for e in await self.store.outbox_entries()]

    async def outbox_types(self) -> list[str]:
        return [envelope["type"] for envelope in await self.outbox()]

    async def revision(self, pipeline_id: str) -> int:
        return max(
            e["payload"]["revision"]
            for e in await self.outbox()
            if e["type"].startswith("pipeline.") and e["payload"]["pipeline"]["id"] == pipeline_id
        )

    async def accepted(
        self,
        method: str,
        path: str,
        headers: Headers,
        body: Any = None,
        pipeline_id: str = "default",
    ) -> tuple[httpx.Response, dict[str, Any]]:
        """Send a change; check that it recorded one PipelineUpdated at the next revision."""
        before, revision = await self.outbox(), await self.revision(pipeline_id)
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, response.text
        [event] = (await self.outbox())[len(before) :]
        assert event["type"] == "pipeline.updated"
        assert event["payload"]["revision"] == revision + 1
        return response, event["payload"]["pipeline"]

    async def refused(
        self, method: str, path: str, headers: Headers, body: Any = None
    ) -> httpx.Response:
        """Send a change that must be refused; check that the outbox did not change."""
        before = await self.outbox()
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code >= 400, response.text
        assert await self.outbox() == before
        return response


@asynccontextmanager
async def running_api(retirement_wait_seconds: float = 0.2) -> AsyncIterator[Api]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "pipeline")
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(uow, TOKENS, TierPolicy(), retirement_wait_seconds))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pipeline") as client:
        yield Api(client, store, uow)
