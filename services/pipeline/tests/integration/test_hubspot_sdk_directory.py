"""The official `hubspot-api-client` SDK, unchanged and pointed at a live pipeline service,
drives the directory: settings users, roles and teams, and CRM owners."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hubspot import HubSpot
from hubspot.settings.users import PublicUserUpdate, UserProvisionRequest
from hubspot.settings.users.exceptions import ApiException

from .test_hubspot_sdk_properties import admin_token, pytestmark, service

__all__ = ["pytestmark", "service"]


def drive_the_sdk(host: str, token: str) -> dict[str, Any]:
    """Synchronous, like the SDK; run in a thread."""
    client = HubSpot(access_token=token)
    # Each discovery property builds a new API object: keep one of each, pointed at us.
    users_api = client.settings.users.users_api
    roles_api = client.settings.users.roles_api
    teams_api = client.settings.users.teams_api
    owners = client.crm.owners.owners_api
    for api in (users_api, roles_api, teams_api, owners):
        api.api_client.configuration.host = host
    seen: dict[str, Any] = {}

    seen["roles"] = [(r.id, r.name) for r in roles_api.get_all().results]
    seen["teams"] = [t.name for t in teams_api.get_all().results]
    created = users_api.create(
        UserProvisionRequest(email="Bob@Acme.test", role_id="2", send_welcome_email=False)
    )
    seen["created"] = created
    seen["by_id"] = users_api.get_by_id(created.id)
    seen["by_email"] = users_api.get_by_id("bob@acme.test", id_property="EMAIL")
    seen["replaced"] = users_api.replace(created.id, PublicUserUpdate(role_id="3"))
    seen["page"] = [u.email for u in users_api.get_page(limit=1).results]
    seen["owner"] = owners.get_page(email="bob@acme.test").results[0]
    seen["owner_by_id"] = owners.get_by_id(created.id, id_property="id")
    seen["owner_by_user_id"] = owners.get_by_id(created.id, id_property="userId")
    users_api.archive(created.id)
    try:
        users_api.get_by_id(created.id)
    except ApiException as exc:
        seen["after_archive"] = exc.status
    return seen


async def test_the_sdk_drives_users_roles_teams_and_owners(service: str) -> None:
    token = admin_token(service)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=service, headers=headers) as http:
        assert (await http.post("/settings/v1/teams", json={"name": "Support"})).status_code == 201

    seen = await asyncio.to_thread(drive_the_sdk, service, token)

    assert seen["roles"] == [("1", "Super admin"), ("2", "Edit property settings"), ("3", "User")]
    assert seen["teams"] == ["Support"]
    created = seen["created"]
    assert (created.email, created.role_id, created.super_admin) == ("bob@acme.test", "2", False)
    assert seen["by_id"].id == seen["by_email"].id == created.id
    assert seen["replaced"].role_id == "3"
    assert len(seen["page"]) == 1
    owner = seen["owner"]
    assert (owner.id, owner.user_id, owner.email, owner.type) == (
        created.id,
        int(created.id),
        "bob@acme.test",
        "PERSON",
    )
    assert seen["owner_by_id"].id == seen["owner_by_user_id"].id == created.id
    assert seen["after_archive"] == 404
