"""Teams: HubSpot's read API and ticketflow's write extension; members live on the users (one
primary team each); a team or user that a pipeline names is not removed (409 naming it)."""

from __future__ import annotations

from typing import Any

from .pipeline_api import SETTINGS, Api, Headers, fields, member

TEAMS = "/settings/v1/teams"
USERS = "/settings/v3/users"


async def _user(api: Api, admin: Headers, email: str) -> str:
    created = await api.client.post(f"{USERS}/", json={"email": email}, headers=admin)
    assert created.status_code == 201, created.text
    user_id: str = created.json()["id"]
    return user_id


async def _team(api: Api, admin: Headers, name: str) -> dict[str, Any]:
    created = await api.client.post(TEAMS, json={"name": name}, headers=admin)
    assert created.status_code == 201, created.text
    team: dict[str, Any] = created.json()
    return team


async def test_a_team_is_created_renamed_and_listed_with_its_members(api: Api) -> None:
    account_id, admin = await api.account()
    bob, eve = await _user(api, admin, "bob@acme.test"), await _user(api, admin, "eve@acme.test")
    team = await _team(api, admin, "Support")
    assert team == {"id": team["id"], "name": "Support", "userIds": [], "secondaryUserIds": []}

    members = {"userIds": [bob], "secondaryUserIds": [eve]}
    set_ = await api.client.put(f"{TEAMS}/{team['id']}/members", json=members, headers=admin)
    renamed = await api.client.patch(
        f"{TEAMS}/{team['id']}", json={"name": "Tier 1"}, headers=admin
    )

    assert set_.status_code == renamed.status_code == 200, (set_.text, renamed.text)
    listed = (await api.client.get(f"{USERS}/teams", headers=member(account_id))).json()
    assert listed == {"results": [{"id": team["id"], "name": "Tier 1"} | members]}
    bob_now = (await api.client.get(f"{USERS}/{bob}", headers=admin)).json()
    assert bob_now["primaryTeamId"] == team["id"]
    types = await api.outbox_types()
    assert "team.created" in types
    assert types.count("user.updated") == 2
    assert types[-1] == "team.updated"


async def test_a_user_has_one_primary_team(api: Api) -> None:
    _, admin = await api.account()
    bob = await _user(api, admin, "bob@acme.test")
    first, second = await _team(api, admin, "One"), await _team(api, admin, "Two")

    for team in (first, second):
        path = f"{TEAMS}/{team['id']}/members"
        await api.client.put(path, json={"userIds": [bob]}, headers=admin)

    listed = (await api.client.get(f"{USERS}/teams", headers=admin)).json()["results"]
    assert {t["name"]: t["userIds"] for t in listed} == {"One": [], "Two": [bob]}


async def test_team_names_are_unique_in_any_case(api: Api) -> None:
    _, admin = await api.account()
    await _team(api, admin, "Support")

    refused = await api.refused("POST", TEAMS, admin, {"name": " SUPPORT "})

    assert refused.status_code == 409
    assert fields(refused) == ["name"]


async def test_bad_team_input_is_refused_naming_the_field(api: Api) -> None:
    account_id, admin = await api.account()
    _, other_admin = await api.account()
    team = await _team(api, admin, "Support")
    path = f"{TEAMS}/{team['id']}"
    stranger = await _user(api, other_admin, "x@other.test")

    assert "name" in fields(await api.refused("POST", TEAMS, admin, {"name": "  "}))
    assert "name" in fields(await api.refused("POST", TEAMS, admin, {}))
    refused = await api.refused("PUT", f"{path}/members", admin, {"userIds": [stranger]})
    assert fields(refused) == ["userIds"]
    both = await api.refused("PUT", f"{path}/members", admin, {"userIds": ["1"], "x": 1})
    assert both.status_code == 400
    assert (await api.refused("POST", TEAMS, member(account_id), {"name": "B"})).status_code == 403
    for method, body in (("PATCH", {"name": "X"}), ("DELETE", None)):
        assert (await api.refused(method, path, other_admin, body)).status_code == 404
        assert (await api.refused(method, f"{TEAMS}/1", admin, body)).status_code == 404


async def test_deleting_a_team_takes_it_off_its_members(api: Api) -> None:
    _, admin = await api.account()
    bob = await _user(api, admin, "bob@acme.test")
    team = await _team(api, admin, "Support")
    await api.client.put(f"{TEAMS}/{team['id']}/members", json={"userIds": [bob]}, headers=admin)

    deleted = await api.client.delete(f"{TEAMS}/{team['id']}", headers=admin)

    assert deleted.status_code == 204
    assert (await api.client.get(f"{USERS}/{bob}", headers=admin)).json()["primaryTeamId"] is None
    [event] = [e for e in await api.outbox() if e["type"] == "team.deleted"]
    assert event["payload"]["team"]["members"] == [{"user_id": bob, "primary": True}]


async def test_a_team_or_user_that_a_pipeline_names_is_not_removed(api: Api) -> None:
    _, admin = await api.account()
    bob = await _user(api, admin, "bob@acme.test")
    team = await _team(api, admin, "Support")
    access = {
        "restricted": True,
        "grants": [{"granteeKind": "user", "granteeId": bob, "level": "view"}],
    }
    await api.accepted("PUT", f"{SETTINGS}/default/access", admin, access)
    notify = {"kind": "internal_notification", "recipientKind": "team", "recipientId": team["id"]}
    await api.accepted("POST", f"{SETTINGS}/default/statuses/4/actions", admin, notify)

    user_refused = await api.refused("DELETE", f"{USERS}/{bob}", admin)
    team_refused = await api.refused("DELETE", f"{TEAMS}/{team['id']}", admin)

    assert user_refused.status_code == team_refused.status_code == 409
    assert "'Support pipeline' (access)" in user_refused.json()["message"]
    assert "actions of status 'Closed'" in team_refused.json()["message"]
