"""The settings extensions over HTTP on the in-memory store: rules, automation triggers and
status actions; tiers, roles, tenancy, bad input, and the PipelineUpdated each change records."""

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


# -- tiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "path"), [("starter", "access"), ("free", "rules")])
async def test_access_and_rules_need_professional_or_enterprise(
    api: Api, tier: str, path: str
) -> None:
    _, admin = await api.account(tier)
    body = {"restricted": True} if path == "access" else {"forbidSkipping": True}

    read = await api.client.get(f"{SETTINGS}/default/{path}", headers=admin)
    write = await api.refused("PUT", f"{SETTINGS}/default/{path}", admin, body)

    for response in (read, write):
        assert (response.status_code, response.json()["category"]) == (403, "TIER_LIMIT")
        message = response.json()["message"]
        assert f"available on enterprise and professional; this account is on {tier}" in message


# -- rules ------------------------------------------------------------------------------------


async def test_rules_are_stored_and_published_with_the_next_revision(api: Api) -> None:
    _, admin = await api.account("enterprise")
    rules = {"creationStatusIds": ["1", "3"], "forbidSkipping": True, "forbidBackwards": False}

    response, snapshot = await api.accepted("PUT", f"{SETTINGS}/default/rules", admin, rules)

    assert response.json() == rules
    assert (await api.client.get(f"{SETTINGS}/default/rules", headers=admin)).json() == rules
    assert snapshot["rules"] == {
        "creation_status_ids": ["1", "3"],
        "forbid_skipping": True,
        "forbid_backwards": False,
    }


async def test_a_property_settings_editor_may_change_rules_and_an_agent_may_not(api: Api) -> None:
    account_id, _ = await api.account()
    body = {"forbidBackwards": True}

    await api.accepted("PUT", f"{SETTINGS}/default/rules", user(account_id, "e1"), body)
    agent = user(account_id, "a1", editor=False)
    refused = await api.refused("PUT", f"{SETTINGS}/default/rules", agent, body)

    assert (refused.status_code, refused.json()["category"]) == (403, "MISSING_SCOPES")
    assert (await api.client.get(f"{SETTINGS}/default/rules", headers=agent)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"creationStatusIds": ["4"]}, "creationStatusIds.0"),
        ({"creationStatusIds": ["1", "1"]}, "creationStatusIds.1"),
        ({"creationStatusIds": ["1", "99"]}, "creationStatusIds.1"),
        ({"creationStatusIds": "1"}, "creationStatusIds"),
        ({"forbidSkipping": "sometimes"}, "forbidSkipping"),
        ({"forbidSideways": True}, "forbidSideways"),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account()

    response = await api.refused("PUT", f"{SETTINGS}/default/rules", admin, body)

    assert response.status_code == 400
    assert field in fields(response), response.json()


async def test_settings_wait_while_a_status_deletion_waits_for_the_ticket_service(
    api: Api,
) -> None:
    _, admin = await api.account()
    assert (await api.client.delete(f"{CRM}/default/stages/2", headers=admin)).status_code == 202

    busy = await api.refused("PUT", f"{SETTINGS}/default/rules", admin, {"forbidSkipping": True})

    assert busy.status_code == 409


# -- automation triggers ----------------------------------------------------------------------


async def test_the_default_pipeline_reads_hubspots_default_triggers(api: Api) -> None:
    _, admin = await api.account("starter")

    response = await api.client.get(f"{SETTINGS}/default/automation/triggers", headers=admin)

    assert response.json() == {
        "emailSent": {"enabled": True, "statusId": "2"},
        "customerReplied": {"enabled": True, "statusId": "3"},
    }


async def test_triggers_are_stored_and_published_with_the_next_revision(api: Api) -> None:
    _, admin = await api.account("starter")
    wanted = {
        "emailSent": {"enabled": False, "statusId": None},
        "customerReplied": {"enabled": True, "statusId": "1"},
    }

    response, snapshot = await api.accepted(
        "PUT", f"{SETTINGS}/default/automation/triggers", admin, wanted
    )

    assert response.json() == wanted
    assert snapshot["triggers"] == {
        "email_sent": {"enabled": False, "status_id": None},
        "customer_replied": {"enabled": True, "status_id": "1"},
    }
    read = await api.client.get(f"{SETTINGS}/default/automation/triggers", headers=admin)
    assert read.json() == wanted


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"emailSent": {"enabled": True}, "customerReplied": {"enabled": False}},
            "emailSent.statusId",
        ),
        (
            {
                "emailSent": {"enabled": False},
                "customerReplied": {"enabled": True, "statusId": "9"},
            },
            "customerReplied.statusId",
        ),
        ({"emailSent": {"enabled": False}}, "customerReplied"),
        (
            {"emailSent": {"enabled": "sometimes"}, "customerReplied": {"enabled": False}},
            "emailSent.enabled",
        ),
    ],
)
async def test_bad_triggers_are_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account("starter")

    response = await api.refused("PUT", f"{SETTINGS}/default/automation/triggers", admin, body)

    assert response.status_code == 400
    assert field in fields(response), response.json()


async def test_automation_is_not_on_the_free_tier(api: Api) -> None:
    _, admin = await api.account("free")
    body = {"kind": "internal_notification", "recipientKind": "owner"}

    refused = await api.refused("POST", f"{SETTINGS}/default/statuses/1/actions", admin, body)

    assert (refused.status_code, refused.json()["category"]) == (403, "TIER_LIMIT")
    assert refused.json()["message"] == (
        "Ticket automation is available on enterprise and professional and starter; "
        "this account is on free"
    )


# -- status actions ---------------------------------------------------------------------------


async def test_status_actions_are_appended_edited_and_deleted(api: Api) -> None:
    _, admin = await api.account("starter")
    path = f"{SETTINGS}/default/statuses/4/actions"
    email = {"kind": "customer_email", "template": "ticket_closed", "comment": "bye"}
    notify = {"kind": "internal_notification", "recipientKind": "team", "recipientId": "t1"}

    added, snapshot = await api.accepted("POST", path, admin, email)
    assert added.status_code == 201
    first = added.json()
    assert first == {
        "id": first["id"],
        "kind": "customer_email",
        "template": "ticket_closed",
        "recipientKind": None,
        "recipientId": None,
        "comment": "bye",
    }
    assert snapshot["statuses"][3]["actions"][0]["template"] == "ticket_closed"
    second = (await api.accepted("POST", path, admin, notify))[0].json()
    third = (await api.accepted("POST", path, admin, notify | {"recipientId": "t2"}))[0].json()

    edited, snapshot = await api.accepted(
        "PATCH", f"{path}/{second['id']}", admin, {"recipientKind": "owner", "comment": "fyi"}
    )
    assert (edited.json()["recipientKind"], edited.json()["recipientId"]) == ("owner", None)
    assert snapshot["statuses"][3]["actions"][1]["comment"] == "fyi"

    await api.accepted("DELETE", f"{path}/{first['id']}?andFollowing=false", admin)
    listed = (await api.client.get(path, headers=admin)).json()["results"]
    assert [a["id"] for a in listed] == [second["id"], third["id"]]
    _, snapshot = await api.accepted("DELETE", f"{path}/{second['id']}?andFollowing=true", admin)
    assert snapshot["statuses"][3]["actions"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "customer_email", "template": "ticket_closed", "comment": "x" * 1001}, "comment"),
        ({"kind": "customer_email"}, "template"),
        ({"kind": "customer_email", "template": "ticket_lost"}, "template"),
        ({"kind": "sms", "template": "ticket_closed"}, "kind"),
        ({"kind": "internal_notification", "recipientKind": "user"}, "recipientId"),
        (
            {"kind": "internal_notification", "recipientKind": "owner", "recipientId": "u1"},
            "recipientId",
        ),
        (
            {"kind": "internal_notification", "recipientKind": "group", "recipientId": "g"},
            "recipientKind",
        ),
        ({"kind": "customer_email", "template": "ticket_closed", "delay": 5}, "delay"),
    ],
)
async def test_a_bad_action_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account("starter")

    response = await api.refused("POST", f"{SETTINGS}/default/statuses/1/actions", admin, body)

    assert response.status_code == 400
    assert field in fields(response), response.json()


async def test_a_patch_may_not_clear_the_kind_or_break_the_action(api: Api) -> None:
    _, admin = await api.account("starter")
    path = f"{SETTINGS}/default/statuses/1/actions"
    body = {"kind": "customer_email", "template": "ticket_received"}
    action = (await api.accepted("POST", path, admin, body))[0].json()

    for patch, field in (({"kind": None}, "kind"), ({"template": None}, "template")):
        response = await api.refused("PATCH", f"{path}/{action['id']}", admin, patch)
        assert response.status_code == 400
        assert field in fields(response), response.json()


async def test_unknown_statuses_and_actions_are_not_found(api: Api) -> None:
    _, admin = await api.account("starter")
    body = {"kind": "internal_notification", "recipientKind": "owner"}

    missing_status = await api.client.get(f"{SETTINGS}/default/statuses/9/actions", headers=admin)
    assert missing_status.status_code == 404
    for method, path, sent in (
        ("POST", f"{SETTINGS}/nope/statuses/1/actions", body),
        ("POST", f"{SETTINGS}/default/statuses/9/actions", body),
        ("PATCH", f"{SETTINGS}/default/statuses/1/actions/x", {"comment": "x"}),
        ("DELETE", f"{SETTINGS}/default/statuses/1/actions/x", None),
    ):
        response = await api.refused(method, path, admin, sent)
        assert (response.status_code, response.json()["category"]) == (404, "OBJECT_NOT_FOUND")


# -- tenancy ----------------------------------------------------------------------------------


async def test_another_accounts_settings_do_not_exist(api: Api) -> None:
    account_id, admin = await api.account()
    _, stranger = await api.account("enterprise")
    billing = (await api.client.post(CRM, json=BILLING, headers=admin)).json()["id"]
    action = {"kind": "internal_notification", "recipientKind": "owner"}
    reads = ["access", "rules", "automation/triggers", "statuses/1/actions"]
    writes = [
        ("PUT", "access", {"restricted": True}),
        ("PUT", "rules", {"forbidSkipping": True}),
        ("PUT", "automation/triggers", TRIGGERS_OFF),
        ("POST", "statuses/1/actions", action),
    ]

    for path in reads:
        response = await api.client.get(f"{SETTINGS}/{billing}/{path}", headers=stranger)
        assert response.status_code == 404, path
    for method, path, body in writes:
        response = await api.refused(method, f"{SETTINGS}/{billing}/{path}", stranger, body)
        assert response.status_code == 404, path
    listed = (await api.client.get(CRM, headers=stranger)).json()["results"]
    assert [p["label"] for p in listed] == ["Support pipeline"]
    assert account_id not in str(listed)
