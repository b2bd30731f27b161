"""API tokens over the four running services: a super admin creates a user and a token for
them through the APIs; the token sees only the pipelines the user's grants allow; once revoked
(or once the user is deactivated), every service answers it 401 within seconds."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.e2e.suite import Suite
from tests.e2e.test_pipeline_deletion import Api
from tests.e2e.test_skeleton_flow import cli_answer, create_account

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

USERS = "/settings/v3/users"
PIPELINES = "/crm/v3/pipelines/tickets"
# One GET per service that any user of the account may call.
READS = {
    "pipeline": PIPELINES,
    "ticket": "/crm/v3/objects/tickets",
    "channels": "/channels/v1/connections",
    "notifier": "/notifier/v1/tickets/no-such-ticket",
}


async def restrict(api: Api, pipeline_id: str, grants: list[dict[str, str]]) -> None:
    response = await api.client.put(
        f"{api.pipeline_url}/settings/v1/ticket-pipelines/{pipeline_id}/access",
        json={"restricted": True, "grants": grants},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text


async def statuses(client: httpx.AsyncClient, suite: Suite, token: str) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    return {
        name: (await client.get(suite.services[name].url + path, headers=headers)).status_code
        for name, path in READS.items()
    }


async def until_refused_everywhere(client: httpx.AsyncClient, suite: Suite, token: str) -> None:
    for _ in range(100):
        if set((await statuses(client, suite, token)).values()) == {401}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still accepted somewhere: {await statuses(client, suite, token)}")


async def new_token(api: Api, user_id: str) -> dict[str, str]:
    response = await api.client.post(
        f"{api.pipeline_url}/settings/v1/users/{user_id}/tokens",
        json={"name": f"token {uuid.uuid4().hex[:6]}"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    issued: dict[str, str] = response.json()
    return issued


async def test_a_users_token_sees_its_grants_and_is_refused_everywhere_once_revoked(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=10) as client:
        api = Api(client, suite, account["token"])
        created = await client.post(
            api.pipeline_url + f"{USERS}/", json={"email": "bob@acme.test"}, headers=api.headers
        )
        assert created.status_code == 201, created.text
        bob = created.json()["id"]
        granted = await api.new_pipeline(f"Bob's {uuid.uuid4().hex[:6]}")
        hidden = await api.new_pipeline(f"Hidden {uuid.uuid4().hex[:6]}")
        await restrict(
            api, granted["id"], [{"granteeKind": "user", "granteeId": bob, "level": "view"}]
        )
        await restrict(api, hidden["id"], [])
        issued = await new_token(api, bob)
        token = issued["token"]

        seen = await client.get(
            api.pipeline_url + PIPELINES, headers={"Authorization": f"Bearer {token}"}
        )
        assert seen.status_code == 200, seen.text
        ids = {p["id"] for p in seen.json()["results"]}
        assert granted["id"] in ids
        assert hidden["id"] not in ids
        assert set((await statuses(client, suite, token)).values()) <= {200, 404}

        revoked = await client.delete(
            f"{api.pipeline_url}/settings/v1/users/{bob}/tokens/{issued['id']}",
            headers=api.headers,
        )
        assert revoked.status_code == 204, revoked.text
        await until_refused_everywhere(client, suite, token)
        refused = await client.get(
            api.pipeline_url + PIPELINES, headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.json()["message"] == "The token was revoked."
        assert (await client.get(api.pipeline_url + PIPELINES, headers=api.headers)).is_success


async def test_a_deactivated_users_tokens_are_refused_everywhere(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=10) as client:
        api = Api(client, suite, account["token"])
        created = await client.post(
            api.pipeline_url + f"{USERS}/", json={"email": "eve@acme.test"}, headers=api.headers
        )
        eve = created.json()["id"]
        token = (await new_token(api, eve))["token"]
        assert set((await statuses(client, suite, token)).values()) <= {200, 404}

        gone = await client.delete(f"{api.pipeline_url}{USERS}/{eve}", headers=api.headers)

        assert gone.status_code == 204, gone.text
        await until_refused_everywhere(client, suite, token)


async def test_the_cli_creates_a_token_the_services_accept_and_the_admin_lists(
    suite: Suite,
) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient(timeout=10) as client:
        api = Api(client, suite, account["token"])
        admin_id = account["admin_user_id"]
        issued = await cli_answer(
            suite, "token", "create", account["account_id"], admin_id, "--name", "nightly export"
        )

        assert set((await statuses(client, suite, issued["token"])).values()) <= {200, 404}
        tokens = f"{api.pipeline_url}/settings/v1/users/{admin_id}/tokens"
        for _ in range(100):  # every service reports its uses every 0.5 s here
            [listed] = (await client.get(tokens, headers=api.headers)).json()["results"]
            if listed["lastUsedAt"] is not None:
                break
            await asyncio.sleep(0.1)
        assert listed["name"] == "nightly export"
        assert listed["lastUsedAt"] >= listed["createdAt"]
