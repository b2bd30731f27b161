"""Channel connections over HTTP on the in-memory store: every rule, bad input, roles, tenancy,
and the event each change records (a refusal records nothing and changes nothing)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_channels.adapters.repository import COLLECTIONS, PIPELINES
from ticketflow_channels.entrypoints.http import build_api_router
from ticketflow_chassis.auth import Principal, Role, TokenCodec
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    Envelope,
    GranteeKind,
    PipelineAccess,
    PipelineCreated,
    PipelineDeleted,
    PipelineSnapshot,
    PipelineSnapshotEvent,
    PipelineUpdated,
    StatusSnapshot,
    TicketState,
)

apply_pipeline_snapshot = apply_pipeline_snapshots(PIPELINES)

TOKENS = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", "ticketflow")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BASE = "/channels/v1/connections"
EMAIL = {"type": "email", "address": "help@acme.test", "pipelineId": "default"}
Headers = dict[str, str]


def bearer(account_id: str, *, admin: bool = True, user_id: str = "u1") -> Headers:
    roles = frozenset({Role.SUPER_ADMIN}) if admin else frozenset()
    principal = Principal(account_id, user_id, roles, frozenset())
    return {"Authorization": f"Bearer {TOKENS.issue(principal, now=datetime.now(UTC))}"}


ADMIN, AGENT, OTHER_ADMIN = bearer("a1"), bearer("a1", admin=False, user_id="u2"), bearer("a2")


def pipeline_event(
    account_id: str,
    pipeline_id: str,
    revision: int = 1,
    event: type[PipelineSnapshotEvent] = PipelineCreated,
    access: PipelineAccess | None = None,
) -> Envelope[PipelineSnapshotEvent]:
    status = StatusSnapshot(
        id="1",
        label="New",
        display_order=0,
        ticket_state=TicketState.OPEN,
        created_at=NOW,
        updated_at=NOW,
    )
    snapshot = PipelineSnapshot(
        id=pipeline_id,
        label=pipeline_id.title(),
        display_order=0,
        archived=event is PipelineDeleted,
        statuses=[status],
        created_at=NOW,
        updated_at=NOW,
        access=access or PipelineAccess(),
    )
    payload = event(revision=revision, pipeline=snapshot)
    return envelope_of(payload, account_id=account_id, occurred_at=NOW, producer="pipeline")


class Api:
    def __init__(self, client: httpx.AsyncClient, store: MemoryStore, uow: UnitOfWork):
        self.client, self.store, self.uow = client, store, uow

    async def outbox(self) -> list[dict[str, Any]]:
        return [json.loads(e.message.body) for e in await self.store.outbox_entries()]

    async def routing_keys(self) -> list[str]:
        return [e.message.routing_key for e in await self.store.outbox_entries()]

    async def pipeline(self, *args: Any, **kwargs: Any) -> None:
        await deliver(apply_pipeline_snapshot, self.uow, pipeline_event(*args, **kwargs))

    async def connect(self, body: dict[str, Any], headers: Headers = ADMIN) -> dict[str, Any]:
        response = await self.client.post(BASE, json=body, headers=headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def listed(self, headers: Headers = ADMIN) -> list[dict[str, Any]]:
        response = await self.client.get(BASE, headers=headers)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    async def accepted(
        self, method: str, path: str, body: Any = None, headers: Headers = ADMIN
    ) -> tuple[httpx.Response, dict[str, Any]]:
        """Send a change; check that it recorded exactly one event, and return it."""
        before = await self.outbox()
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, response.text
        [event] = (await self.outbox())[len(before) :]
        return response, event

    async def refused(
        self, method: str, path: str, body: Any = None, headers: Headers = ADMIN
    ) -> httpx.Response:
        """Send a change that must be refused; check that neither the outbox nor any
        connection changed."""
        outbox, listed = await self.outbox(), await self.listed()
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code >= 400, response.text
        assert await self.outbox() == outbox
        assert await self.listed() == listed
        return response


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "channels")
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(uow, TOKENS))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://channels") as client:
        api = Api(client, store, uow)
        await api.pipeline("a1", "default")
        await api.pipeline("a1", "billing")
        await api.pipeline("a1", "old", 2, PipelineDeleted)
        await api.pipeline("a2", "default")
        await api.pipeline("a2", "sales")
        yield api


def fields(response: httpx.Response) -> list[str | None]:
    return [e.get("in") for e in response.json()["errors"]]


# -- connecting and reading --------------------------------------------------------------------


async def test_a_connected_email_channel_comes_back_and_records_its_event(api: Api) -> None:
    response, event = await api.accepted("POST", BASE, EMAIL)

    assert response.status_code == 201
    created = response.json()
    assert set(created) == {
        "id",
        "type",
        "address",
        "pipelineId",
        "createTickets",
        "connected",
        "createdAt",
        "updatedAt",
    }
    assert (created["type"], created["address"], created["pipelineId"]) == (
        "email",
        "help@acme.test",
        "default",
    )
    assert (created["createTickets"], created["connected"]) == (True, True)
    assert created["id"].isdigit()
    assert event["type"] == "channel_connection.connected"
    assert (event["account_id"], event["producer"]) == ("a1", "channels")
    assert event["payload"]["revision"] == 1
    assert event["payload"]["connection"]["address"] == "help@acme.test"
    assert await api.routing_keys() == ["channel_connection.connected"]
    fetched = await api.client.get(f"{BASE}/{created['id']}", headers=AGENT)
    assert fetched.json() == created
    assert await api.listed(AGENT) == [created]


async def test_chat_and_messenger_channels_are_named_and_the_pipeline_defaults_to_default(
    api: Api,
) -> None:
    chat = await api.connect({"type": "chat", "address": "  Acme   website  "})
    messenger = await api.connect(
        {
            "type": "messenger",
            "address": "Acme Inc.",
            "pipelineId": "billing",
            "createTickets": False,
        }
    )

    assert (chat["address"], chat["pipelineId"]) == ("Acme website", "default")
    assert (messenger["pipelineId"], messenger["createTickets"]) == ("billing", False)
    assert [c["id"] for c in await api.listed()] == [chat["id"], messenger["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EMAIL, "address": "not-an-email"}, "address"),
        ({**EMAIL, "address": "  "}, "address"),
        ({"type": "chat", "address": " \t "}, "address"),
        ({"type": "messenger", "address": "x" * 101}, "address"),
        ({**EMAIL, "address": "x" * 1001}, "address"),
        ({**EMAIL, "address": 42}, "address"),
        ({"type": "email"}, "address"),
        ({**EMAIL, "type": "sms"}, "type"),
        ({"address": "help@acme.test"}, "type"),
        ({**EMAIL, "pipelineId": "nope"}, "pipelineId"),
        ({**EMAIL, "pipelineId": "old"}, "pipelineId"),
        ({**EMAIL, "pipelineId": "sales"}, "pipelineId"),
        ({**EMAIL, "pipelineId": ""}, "pipelineId"),
        ({**EMAIL, "createTickets": "yes"}, "createTickets"),
        ({**EMAIL, "connected": False}, "connected"),
        ({"type": "chat", "address": "Web\x1bchat", "pipelineId": "default"}, "address"),
        ({"type": "messenger", "address": "Page\u202e", "pipelineId": "default"}, "address"),
        ({**EMAIL, "address": "help@acme.test\x00"}, "address"),
    ],
    ids=[
        "malformed-email",
        "blank-email",
        "blank-chat-name",
        "long-messenger-name",
        "huge-address",
        "number-address",
        "no-address",
        "unknown-type",
        "no-type",
        "unknown-pipeline",
        "deleted-pipeline",
        "another-accounts-pipeline",
        "empty-pipeline",
        "string-flag",
        "unknown-field",
        "control-character-in-chat-name",
        "bidi-override-in-messenger-name",
        "nul-in-email",
    ],
)
async def test_a_bad_connection_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    response = await api.refused("POST", BASE, body)

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert field in fields(response)


async def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    response = await api.client.post(
        BASE, content=b"{nope", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert await api.outbox() == []


async def test_an_email_address_connected_already_in_another_case_is_a_conflict(
    api: Api,
) -> None:
    await api.connect(EMAIL)

    response = await api.refused("POST", BASE, {**EMAIL, "address": "Help@ACME.test"})

    assert response.status_code == 409
    assert response.json()["category"] == "CONFLICT"
    assert fields(response) == ["address"]


async def test_the_same_address_may_be_connected_in_another_account(api: Api) -> None:
    mine = await api.connect(EMAIL)
    theirs = await api.connect(EMAIL, OTHER_ADMIN)

    assert mine["id"] != theirs["id"]
    assert [c["id"] for c in await api.listed(OTHER_ADMIN)] == [theirs["id"]]


async def test_a_pipeline_that_reaches_the_replica_later_becomes_a_valid_target(api: Api) -> None:
    await api.refused("POST", BASE, {**EMAIL, "pipelineId": "vip"})

    await api.pipeline("a1", "vip", 1)

    assert (await api.connect({**EMAIL, "pipelineId": "vip"}))["pipelineId"] == "vip"


async def test_a_deleted_pipeline_stays_refused_whatever_order_its_snapshots_arrive_in(
    api: Api,
) -> None:
    await api.pipeline("a1", "late", 3, PipelineDeleted)
    await api.pipeline("a1", "late", 1)
    await api.pipeline("a1", "late", 2)

    response = await api.refused("POST", BASE, {**EMAIL, "pipelineId": "late"})
    assert fields(response) == ["pipelineId"]


# -- roles and tenancy -------------------------------------------------------------------------


async def test_only_super_admins_connect_change_or_disconnect(api: Api) -> None:
    created = await api.connect(EMAIL)
    path = f"{BASE}/{created['id']}"

    refusals = [
        await api.refused("POST", BASE, {**EMAIL, "address": "sales@acme.test"}, AGENT),
        await api.refused("PATCH", path, {"createTickets": False}, AGENT),
        await api.refused("DELETE", path, headers=AGENT),
    ]

    assert [r.status_code for r in refusals] == [403, 403, 403]
    assert {r.json()["category"] for r in refusals} == {"MISSING_SCOPES"}
    assert (await api.client.get(path, headers=AGENT)).status_code == 200


async def test_another_accounts_connection_does_not_exist_for_the_caller(api: Api) -> None:
    created = await api.connect(EMAIL)
    path = f"{BASE}/{created['id']}"

    responses = [
        await api.client.get(path, headers=OTHER_ADMIN),
        await api.refused("PATCH", path, {"createTickets": False}, OTHER_ADMIN),
        await api.refused("DELETE", path, headers=OTHER_ADMIN),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert {r.json()["category"] for r in responses} == {"OBJECT_NOT_FOUND"}
    assert await api.listed(OTHER_ADMIN) == []


async def test_without_a_token_nothing_is_read_or_written(api: Api) -> None:
    assert (await api.client.get(BASE)).status_code == 401
    assert (await api.client.post(BASE, json=EMAIL)).status_code == 401
    assert await api.outbox() == []


# -- updating ----------------------------------------------------------------------------------


async def test_an_update_retargets_and_stops_ticket_creation_at_the_next_revision(
    api: Api,
) -> None:
    created = await api.connect(EMAIL)
    path = f"{BASE}/{created['id']}"

    response, event = await api.accepted(
        "PATCH", path, {"pipelineId": "billing", "createTickets": False}
    )

    changed = response.json()
    assert (changed["pipelineId"], changed["createTickets"]) == ("billing", False)
    assert (changed["createdAt"], changed["id"]) == (created["createdAt"], created["id"])
    assert event["type"] == "channel_connection.updated"
    assert event["payload"]["revision"] == 2
    assert event["payload"]["connection"]["pipeline_id"] == "billing"
    assert (await api.client.get(path, headers=ADMIN)).json() == changed


async def test_a_chat_channel_is_renamed_but_not_onto_a_name_connected_already(
    api: Api,
) -> None:
    website = await api.connect({"type": "chat", "address": "Website"})
    await api.connect({"type": "chat", "address": "Shop"})
    path = f"{BASE}/{website['id']}"

    taken = await api.refused("PATCH", path, {"address": "Shop"})
    response, event = await api.accepted("PATCH", path, {"address": "Help center"})

    assert taken.status_code == 409
    assert response.json()["address"] == "Help center"
    assert event["payload"]["connection"]["address"] == "Help center"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "support@acme.test"}, "address"),
        ({"pipelineId": "nope"}, "pipelineId"),
        ({"pipelineId": "old"}, "pipelineId"),
        ({"pipelineId": None}, "pipelineId"),
        ({"createTickets": None}, "createTickets"),
        ({"address": None}, "address"),
        ({"type": "chat"}, "type"),
        ({"createTickets": "no"}, "createTickets"),
    ],
)
async def test_a_bad_update_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    created = await api.connect(EMAIL)

    response = await api.refused("PATCH", f"{BASE}/{created['id']}", body)

    assert response.status_code == 400
    assert field in fields(response)


async def test_an_update_that_changes_nothing_records_nothing(api: Api) -> None:
    created = await api.connect(EMAIL)
    before = await api.outbox()

    response = await api.client.patch(
        f"{BASE}/{created['id']}",
        json={"pipelineId": "default", "createTickets": True},
        headers=ADMIN,
    )

    assert response.status_code == 200
    assert response.json() == created
    assert await api.outbox() == before


async def test_an_unknown_connection_is_not_found(api: Api) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body = {"createTickets": False} if method == "PATCH" else None
        response = await api.client.request(method, f"{BASE}/404", json=body, headers=ADMIN)
        assert response.status_code == 404
    assert await api.outbox() == []


# -- disconnecting -----------------------------------------------------------------------------


async def test_a_disconnected_channel_is_gone_and_its_address_may_be_connected_again(
    api: Api,
) -> None:
    created = await api.connect(EMAIL)
    await api.client.patch(f"{BASE}/{created['id']}", json={"createTickets": False}, headers=ADMIN)
    path = f"{BASE}/{created['id']}"

    response, event = await api.accepted("DELETE", path)

    assert response.status_code == 204
    assert event["type"] == "channel_connection.disconnected"
    assert event["payload"]["revision"] == 3
    assert event["payload"]["connection"]["connected"] is False
    assert (await api.client.get(path, headers=ADMIN)).status_code == 404
    assert (await api.refused("DELETE", path)).status_code == 404
    assert (await api.refused("PATCH", path, {"createTickets": True})).status_code == 404
    assert await api.listed() == []
    again = await api.connect(EMAIL)
    assert again["id"] != created["id"]
    assert [c["id"] for c in await api.listed()] == [again["id"]]


async def test_a_connection_to_a_pipeline_a_user_may_not_see_does_not_exist_for_them(
    api: Api,
) -> None:
    chat = await api.connect({"type": "chat", "address": "Web", "pipelineId": "billing"})
    email = await api.connect(EMAIL)
    grant = AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="u3", level=AccessLevel.VIEW)
    await api.pipeline(
        "a1", "billing", 2, PipelineUpdated, PipelineAccess(restricted=True, grants=[grant])
    )
    granted = bearer("a1", admin=False, user_id="u3")

    assert await api.listed(AGENT) == [email]
    assert (await api.client.get(f"{BASE}/{chat['id']}", headers=AGENT)).status_code == 404
    assert await api.listed(granted) == [chat, email]
    assert (await api.client.get(f"{BASE}/{chat['id']}", headers=granted)).status_code == 200
    assert await api.listed(ADMIN) == [chat, email]
