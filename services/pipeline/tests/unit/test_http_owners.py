"""HubSpot's CRM owners API: the account's active users (deactivated ones with `archived`),
with their teams; an owner's id is its user's id."""

from __future__ import annotations

from .pipeline_api import Api, member

USERS = "/settings/v3/users"
OWNERS = "/crm/v3/owners"


async def test_owners_are_the_active_users_with_their_teams(api: Api) -> None:
    account_id, admin = await api.account()
    team = (await api.client.post("/settings/v1/teams", json={"name": "T1"}, headers=admin)).json()
    body = {"email": "bob@acme.test", "firstName": "Bob", "primaryTeamId": team["id"]}
    bob = (await api.client.post(f"{USERS}/", json=body, headers=admin)).json()
    reader = member(account_id)

    by_email = await api.client.get(f"{OWNERS}/", params={"email": "BOB@acme.test"}, headers=reader)
    by_id = await api.client.get(f"{OWNERS}/{bob['id']}", headers=reader)
    by_user_id = await api.client.get(
        f"{OWNERS}/{bob['id']}", params={"idProperty": "userId"}, headers=reader
    )

    [owner] = by_email.json()["results"]
    assert owner == by_id.json() == by_user_id.json()
    assert (owner["id"], owner["userId"], owner["firstName"]) == (bob["id"], int(bob["id"]), "Bob")
    assert owner["teams"] == [{"id": team["id"], "name": "T1", "primary": True}]
    assert owner["archived"] is False
    everyone = (await api.client.get(f"{OWNERS}/", headers=reader)).json()["results"]
    assert len(everyone) == 2


async def test_a_deactivated_user_is_an_archived_owner(api: Api) -> None:
    _, admin = await api.account()
    bob = (await api.client.post(f"{USERS}/", json={"email": "b@acme.test"}, headers=admin)).json()
    await api.client.delete(f"{USERS}/{bob['id']}", headers=admin)

    active = await api.client.get(f"{OWNERS}/{bob['id']}", headers=admin)
    archived = await api.client.get(
        f"{OWNERS}/{bob['id']}", params={"archived": "true"}, headers=admin
    )
    listed = await api.client.get(f"{OWNERS}/", params={"archived": "true"}, headers=admin)

    assert active.status_code == 404
    assert archived.json()["archived"] is True
    assert archived.json()["userId"] is None
    assert [o["id"] for o in listed.json()["results"]] == [bob["id"]]


async def test_bad_owner_requests(api: Api) -> None:
    _, admin = await api.account()
    _, other_admin = await api.account()
    bob = (await api.client.post(f"{USERS}/", json={"email": "b@acme.test"}, headers=admin)).json()

    assert (await api.client.get(f"{OWNERS}/{bob['id']}", headers=other_admin)).status_code == 404
    assert (await api.client.get(f"{OWNERS}/1", headers=admin)).status_code == 404
    bad = await api.client.get(f"{OWNERS}/1", params={"idProperty": "email"}, headers=admin)
    assert bad.status_code == 400
    assert (await api.client.get(OWNERS, params={"limit": 0}, headers=admin)).status_code == 400
