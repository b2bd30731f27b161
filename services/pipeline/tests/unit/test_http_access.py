"""Pipeline access over HTTP on the in-memory store: the setting (super admins, Professional and
up) and its enforcement on the pipelines API (hidden pipelines are 404, view grants read-only)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.adapters.http import build_api_router
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.domain.tiers import TierPolicy

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
OPERATOR = Principal("platform", "ops", frozenset({Role.OPERATOR}), frozenset())
CRM = "/crm/v3/pipelines/tickets"
SETTINGS = "/settings/v1/ticket-pipelines"
EDITOR_ROLE = frozenset({Role.PROPERTY_SETTINGS_EDITOR})
BILLING = {
    "label": "Billing",
    "displayOrder": 1,
    "stages": [
        {"label": "Open", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
        {"label": "Done", "displayOrder": 1, "metadata": {"ticketState": "CLOSED"}},
    ],
}
TRIGGERS_OFF = {"emailSent": {"enabled": False}, "customerReplied": {"enabled": False}}
Headers = dict[str, str]


def bearer(principal: Principal) -> Headers:
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


class Api:
    def __init__(self, client: httpx.AsyncClient, store: MemoryStore):
        self.client, self.store = client, store

    async def account(self, tier: str = "professional") -> tuple[str, Headers]:
        body = {"name": f"Acme {uuid.uuid4().hex[:6]}", "tier": tier, "admin_email": "a@b.co"}
        response = await self.client.post("/admin/v1/accounts", json=body, headers=bearer(OPERATOR))
        assert response.status_code == 201, response.text
        opened = response.json()
        return opened["account_id"], {"Authorization": f"Bearer {opened['token']}"}

    async def outbox(self) -> list[dict[str, Any]]:
        return [json.loads(e.message.body) for e in await self.store.outbox_batch(1000)]

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


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(UnitOfWork(store, "pipeline"), TOKENS, TierPolicy(), 0.2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pipeline") as client:
        yield Api(client, store)


def user(
    account_id: str, user_id: str, *, editor: bool = True, teams: set[str] | None = None
) -> Headers:
    """A token for another user of the account: a property-settings editor unless told not."""
    roles = EDITOR_ROLE if editor else frozenset()
    return bearer(Principal(account_id, user_id, roles, frozenset(teams or ())))


def fields(response: httpx.Response) -> list[str | None]:
    return [e.get("in") for e in response.json()["errors"]]


# -- access -----------------------------------------------------------------------------------


async def test_a_super_admin_sets_access_and_the_snapshot_carries_it(api: Api) -> None:
    _, admin = await api.account()
    access = {
        "restricted": True,
        "grants": [
            {"granteeKind": "user", "granteeId": "u1", "level": "view"},
            {"granteeKind": "team", "granteeId": "t1", "level": "edit"},
        ],
    }

    response, snapshot = await api.accepted("PUT", f"{SETTINGS}/default/access", admin, access)

    assert response.json() == access
    assert (await api.client.get(f"{SETTINGS}/default/access", headers=admin)).json() == access
    assert snapshot["access"] == {
        "restricted": True,
        "grants": [
            {"grantee_kind": "user", "grantee_id": "u1", "level": "view"},
            {"grantee_kind": "team", "grantee_id": "t1", "level": "edit"},
        ],
    }


async def test_only_super_admins_see_or_change_access(api: Api) -> None:
    account_id, _ = await api.account()
    editor = user(account_id, "u1")

    read = await api.client.get(f"{SETTINGS}/default/access", headers=editor)
    write = await api.refused("PUT", f"{SETTINGS}/default/access", editor, {"restricted": True})

    assert (read.status_code, read.json()["category"]) == (403, "MISSING_SCOPES")
    assert (write.status_code, write.json()["category"]) == (403, "MISSING_SCOPES")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "restricted": True,
                "grants": [
                    {"granteeKind": "user", "granteeId": "u1", "level": "view"},
                    {"granteeKind": "user", "granteeId": "u1", "level": "edit"},
                ],
            },
            "grants.1.granteeId",
        ),
        (
            {
                "restricted": True,
                "grants": [{"granteeKind": "x", "granteeId": "1", "level": "view"}],
            },
            "grants.0.granteeKind",
        ),
        (
            {
                "restricted": True,
                "grants": [{"granteeKind": "team", "granteeId": " ", "level": "edit"}],
            },
            "grants.0.granteeId",
        ),
        ({"grants": []}, "restricted"),
        ({"restricted": "maybe"}, "restricted"),
        ({"restricted": True, "everyone": True}, "everyone"),
    ],
)
async def test_a_bad_access_body_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account()

    response = await api.refused("PUT", f"{SETTINGS}/default/access", admin, body)

    assert response.status_code == 400
    assert field in fields(response), response.json()


async def restricted_billing(api: Api) -> tuple[str, Headers, str]:
    """An account whose Billing pipeline is restricted: user `viewer` may view, team `ops` edit."""
    account_id, admin = await api.account()
    billing = (await api.client.post(CRM, json=BILLING, headers=admin)).json()["id"]
    grants = [
        {"granteeKind": "user", "granteeId": "viewer", "level": "view"},
        {"granteeKind": "team", "granteeId": "ops", "level": "edit"},
    ]
    access = {"restricted": True, "grants": grants}
    await api.accepted("PUT", f"{SETTINGS}/{billing}/access", admin, access, billing)
    return account_id, admin, billing


async def test_a_user_without_access_never_sees_a_restricted_pipeline(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    outsider = user(account_id, "outsider", teams={"sales"})

    listed = (await api.client.get(CRM, headers=outsider)).json()["results"]
    assert [p["id"] for p in listed] == ["default"]
    for path in (
        f"{CRM}/{billing}",
        f"{CRM}/{billing}/stages",
        f"{SETTINGS}/{billing}/rules",
        f"{SETTINGS}/{billing}/automation/triggers",
    ):
        response = await api.client.get(path, headers=outsider)
        assert (response.status_code, response.json()["category"]) == (404, "OBJECT_NOT_FOUND")
        assert "Billing" not in response.text
    for method, path, body in (
        ("PATCH", f"{CRM}/{billing}", {"label": "Mine"}),
        ("DELETE", f"{CRM}/{billing}", None),
        ("PUT", f"{SETTINGS}/{billing}/rules", {"forbidSkipping": True}),
    ):
        assert (await api.refused(method, path, outsider, body)).status_code == 404


async def test_a_view_grant_sees_the_pipeline_but_may_not_change_it(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    viewer = user(account_id, "viewer")
    stage = {"label": "Escalated", "displayOrder": 5, "metadata": {"ticketState": "OPEN"}}

    assert billing in [
        p["id"] for p in (await api.client.get(CRM, headers=viewer)).json()["results"]
    ]
    assert (await api.client.get(f"{CRM}/{billing}", headers=viewer)).status_code == 200
    for method, path, body in (
        ("PATCH", f"{CRM}/{billing}", {"label": "Mine"}),
        ("POST", f"{CRM}/{billing}/stages", stage),
        ("PUT", f"{SETTINGS}/{billing}/rules", {"forbidSkipping": True}),
        ("PUT", f"{SETTINGS}/{billing}/automation/triggers", TRIGGERS_OFF),
    ):
        response = await api.refused(method, path, viewer, body)
        assert (response.status_code, response.json()["category"]) == (403, "MISSING_SCOPES")


async def test_an_edit_grant_through_a_team_edits_only_with_the_settings_role(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    editor = user(account_id, "e1", teams={"ops"})
    agent = user(account_id, "a1", editor=False, teams={"ops"})

    await api.accepted("PATCH", f"{CRM}/{billing}", editor, {"label": "Invoices"}, billing)

    assert (await api.client.get(f"{CRM}/{billing}", headers=agent)).status_code == 200
    refused = await api.refused("PATCH", f"{CRM}/{billing}", agent, {"label": "Mine"})
    assert refused.status_code == 403


async def test_a_restricted_pipeline_without_grants_is_left_to_super_admins(api: Api) -> None:
    account_id, admin = await api.account()
    await api.accepted("PUT", f"{SETTINGS}/default/access", admin, {"restricted": True})

    assert (await api.client.get(f"{CRM}/default", headers=admin)).status_code == 200
    everyone_else = user(account_id, "u1", teams={"ops"})
    assert (await api.client.get(CRM, headers=everyone_else)).json() == {"results": []}


async def test_a_reorder_by_an_editor_leaves_hidden_pipelines_in_place(api: Api) -> None:
    account_id, admin, billing = await restricted_billing(api)
    third_body = BILLING | {"label": "Third", "displayOrder": 2}
    third = (await api.client.post(CRM, json=third_body, headers=admin)).json()
    editor = user(account_id, "e1")

    response = await api.client.put(
        f"{SETTINGS}/order", json={"pipelineIds": [third["id"], "default"]}, headers=editor
    )

    assert [p["id"] for p in response.json()["results"]] == [third["id"], "default"]
    everything = (await api.client.get(CRM, headers=admin)).json()["results"]
    assert [p["id"] for p in everything] == [third["id"], billing, "default"]
