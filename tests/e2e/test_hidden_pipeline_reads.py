"""Every GET route of every service, walked as a plain user, keeps a pipeline restricted to
nobody hidden: its id and label, its ticket's subject. The routes come from each service's
OpenAPI document, so a new route is covered (or fails loudly) without editing this test."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.suite import PREFIXES, Suite
from tests.e2e.test_pipeline_deletion import Api
from tests.e2e.test_skeleton_flow import create_account, notifier_record
from ticketflow_chassis.auth import Principal, TokenCodec

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]

NOT_ROUTES = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc"}
NOT_ROUTES |= {"/openapi.json", "/asyncapi.json"}
MOVES = "/crm/v3/extensions/tickets/moves"


def plain_user_token(suite: Suite, account_id: str) -> str:
    """A user of the account with no roles and no teams, signed as the services expect."""
    env = suite.services["pipeline"].env
    secret = env["PIPELINE_JWT_SECRET"]
    issuer = env.get("PIPELINE_JWT_ISSUER") or "ticketflow"
    principal = Principal(account_id, "plain-user", frozenset(), frozenset())
    return TokenCodec(secret, issuer).issue(principal, now=datetime.now(UTC))


async def until_status(
    client: httpx.AsyncClient, method: str, url: str, status: int, **kwargs: Any
) -> httpx.Response:
    """Retries while a replica has not caught up (any other status)."""
    for _ in range(100):
        response = await client.request(method, url, **kwargs)
        if response.status_code == status:
            return response
        await asyncio.sleep(0.1)
    raise AssertionError(f"{method} {url} never answered {status}: {response.text}")


async def hidden_objects(client: httpx.AsyncClient, suite: Suite, api: Api) -> dict[str, str]:
    """A pipeline restricted to nobody, a ticket in it (known to the notifier), a chat
    connected to it and a bulk move within it, the account's admin (user and owner routes):
    the ids a route's parameters take."""
    label = f"Hidden {uuid.uuid4().hex[:12]}"
    pipeline = await api.new_pipeline(label)
    pipeline_id = pipeline["id"]
    first, second = (stage["id"] for stage in pipeline["stages"])
    access = {"restricted": True, "grants": []}
    restricted = await client.put(
        f"{api.pipeline_url}/settings/v1/ticket-pipelines/{pipeline_id}/access",
        json=access,
        headers=api.headers,
    )
    assert restricted.status_code == 200, restricted.text
    subject = f"Secret {uuid.uuid4().hex}"
    body = {
        "properties": {"subject": subject, "hs_pipeline": pipeline_id, "hs_pipeline_stage": first}
    }
    ticket = await client.post(
        api.ticket_url + "/crm/v3/objects/tickets", json=body, headers=api.headers
    )
    assert ticket.status_code == 201, ticket.text
    ticket_id = ticket.json()["id"]
    await notifier_record(client, suite, api.headers["Authorization"][7:], ticket_id)
    chat = {"type": "chat", "address": f"Chat {label}", "pipelineId": pipeline_id}
    connection = await until_status(
        client,
        "POST",
        suite.services["channels"].url + "/channels/v1/connections",
        201,
        json=chat,
        headers=api.headers,
    )
    move = {
        "from": {"pipelineId": pipeline_id, "statusId": first},
        "to": {"pipelineId": pipeline_id},
        "statusMapping": {first: second},
    }
    job = await client.post(api.ticket_url + MOVES, json=move, headers=api.headers)
    assert job.status_code == 202, job.text
    users = await client.get(api.pipeline_url + "/settings/v3/users/", headers=api.headers)
    admin_id = users.json()["results"][0]["id"]
    return {
        "user_id": admin_id,
        "owner_id": admin_id,
        "pipeline_id": pipeline_id,
        "pipelineId": pipeline_id,
        "stage_id": first,
        "status_id": first,
        "ticket_id": ticket_id,
        "job_id": job.json()["id"],
        "connection_id": connection.json()["id"],
        # Contacts belong to no pipeline (none is made before inbound mail): any id walks it.
        "contact_id": "404404",
        # No conversation is linked to a ticket yet (the automation issue links them; then a
        # conversation of a hidden pipeline's ticket must be hidden too): any id walks them.
        "conversation_id": "404404",
        "message_id": "404404",
        "index": "0",
        "property_name": "hs_pipeline",
        "label": label,
        "subject": subject,
    }


def get_routes(document: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameters, required query parameters) of every GET route worth walking."""
    routes = []
    for path, operations in document["paths"].items():
        if "get" not in operations or path in NOT_ROUTES:
            continue
        parameters = operations["get"].get("parameters", [])
        in_path = re.findall(r"{([^}]+)}", path)
        required = [p["name"] for p in parameters if p["in"] == "query" and p.get("required")]
        routes.append((path, in_path, required))
    return routes


def leaks(body: str, hidden: dict[str, str]) -> list[str]:
    secrets = [hidden["label"], hidden["subject"], f'"{hidden["pipeline_id"]}"']
    return [secret for secret in secrets if secret in body]


async def test_a_plain_user_reads_nothing_of_a_pipeline_restricted_to_nobody(
    suite: Suite,
) -> None:
    account = await create_account(suite, tier="professional")
    async with httpx.AsyncClient(timeout=30) as client:
        api = Api(client, suite, account["token"])
        hidden = await hidden_objects(client, suite, api)
        user = {"Authorization": f"Bearer {plain_user_token(suite, account['account_id'])}"}
        walked: list[str] = []
        for service in PREFIXES:
            base = suite.services[service].url
            document = (await client.get(base + "/openapi.json")).json()
            for path, in_path, required in get_routes(document):
                unknown = [name for name in [*in_path, *required] if name not in hidden]
                assert not unknown, f"{service} GET {path}: no hidden object fills {unknown}"
                url = base + path.format(**{name: hidden[name] for name in in_path})
                query = {name: hidden[name] for name in required}
                for _ in range(30):  # a replica may lag the restriction for a moment
                    response = await client.get(url, params=query, headers=user)
                    revealed = response.is_success and leaks(response.text, hidden)
                    if not revealed:
                        break
                    await asyncio.sleep(0.1)
                assert response.status_code in (403, 404) or response.is_success, (
                    f"{service} GET {path}: {response.status_code} {response.text}"
                )
                assert not revealed, f"{service} GET {path} reveals {revealed}: {response.text}"
                walked.append(f"{service} {path}")
        assert len(walked) >= 15, walked
