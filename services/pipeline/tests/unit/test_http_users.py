"""HubSpot's settings users API on the pipeline service: reads for every user of the account,
writes for super admins, emails unique in any case, deactivation instead of deletion."""

from __future__ import annotations

from ticketflow_chassis.auth import Role

from .pipeline_api import Api, fields, member

USERS = "/settings/v3/users"


async def test_a_super_admin_creates_a_user_that_every_user_of_the_account_reads(api: Api) -> None:
    account_id, admin = await api.account()
    body = {"email": "Bob@Acme.test", "firstName": "Bob", "lastName": "Ray", "roleId": "2"}

    created = await api.client.post(f"{USERS}/", json=body, headers=admin)

    assert created.status_code == 201, created.text
    user = created.json()
    assert user["id"].isdigit()
    assert (user["email"], user["firstName"], user["roleIds"]) == ("bob@acme.test", "Bob", ["2"])
    assert user["superAdmin"] is False
    reader = member(account_id)
    by_id = await api.client.get(f"{USERS}/{user['id']}", headers=reader)
    by_email = await api.client.get(
        f"{USERS}/BOB@acme.test", params={"idProperty": "EMAIL"}, headers=reader
    )
    assert by_id.json() == by_email.json() == user
    [event] = [e for e in await api.outbox() if e["type"] == "user.created"][-1:]
    assert event["payload"]["user"]["email"] == "bob@acme.test"


async def test_users_are_listed_a_page_at_a_time(api: Api) -> None:
    _, admin = await api.account()
    for n in range(3):
        await api.client.post(f"{USERS}/", json={"email": f"u{n}@acme.test"}, headers=admin)

    first = (await api.client.get(f"{USERS}/", params={"limit": 2}, headers=admin)).json()
    after = first["paging"]["next"]["after"]
    second = (
        await api.client.get(f"{USERS}/", params={"limit": 2, "after": after}, headers=admin)
    ).json()

    emails = [u["email"] for u in first["results"] + second["results"]]
    assert sorted(emails) == ["a@b.co", "u0@acme.test", "u1@acme.test", "u2@acme.test"]
    assert "paging" not in second


async def test_an_email_taken_in_another_case_is_refused_naming_it(api: Api) -> None:
    _, admin = await api.account()
    await api.client.post(f"{USERS}/", json={"email": "bob@acme.test"}, headers=admin)

    refused = await api.refused("POST", f"{USERS}/", admin, {"email": "BOB@Acme.Test"})

    assert refused.status_code == 409
    assert "bob@acme.test" in refused.json()["message"]


async def test_only_a_super_admin_writes_users(api: Api) -> None:
    account_id, _ = await api.account()
    editor = member(account_id, Role.PROPERTY_SETTINGS_EDITOR)

    refused = await api.refused("POST", f"{USERS}/", editor, {"email": "bob@acme.test"})

    assert refused.status_code == 403


async def test_malformed_bodies_are_refused_naming_the_field(api: Api) -> None:
    _, admin = await api.account()
    cases = [
        ({"firstName": "Bob"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "bob@acme.test", "roleId": "99"}, "roleId"),
        ({"email": "bob@acme.test", "primaryTeamId": "123"}, "primaryTeamId"),
        ({"email": "bob@acme.test", "secondaryTeamIds": "123"}, "secondaryTeamIds"),
        ({"email": "bob@acme.test", "colour": "blue"}, "colour"),
    ]
    for body, field in cases:
        refused = await api.refused("POST", f"{USERS}/", admin, body)
        assert refused.status_code == 400, (body, refused.text)
        assert any(field in (f or "") for f in fields(refused)), (body, refused.json())


async def test_replace_changes_the_role_and_keeps_what_is_left_out(api: Api) -> None:
    _, admin = await api.account()
    user = (
        await api.client.post(
            f"{USERS}/", json={"email": "bob@acme.test", "firstName": "Bob"}, headers=admin
        )
    ).json()

    replaced = await api.client.put(f"{USERS}/{user['id']}", json={"roleId": "1"}, headers=admin)

    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["roleId"], replaced.json()["superAdmin"]) == ("1", True)
    assert replaced.json()["firstName"] == "Bob"
    assert (await api.outbox_types())[-1] == "user.updated"


async def test_archive_deactivates_the_user_who_is_then_not_found(api: Api) -> None:
    _, admin = await api.account()
    user = (await api.client.post(f"{USERS}/", json={"email": "b@acme.test"}, headers=admin)).json()

    archived = await api.client.delete(f"{USERS}/{user['id']}", headers=admin)

    assert archived.status_code == 204
    assert (await api.client.get(f"{USERS}/{user['id']}", headers=admin)).status_code == 404
    listed = (await api.client.get(f"{USERS}/", headers=admin)).json()["results"]
    assert [u["email"] for u in listed] == ["a@b.co"]
    [event] = [e for e in await api.outbox() if e["type"] == "user.deactivated"]
    assert event["payload"]["user"]["active"] is False


async def test_the_last_super_admin_is_neither_demoted_nor_deactivated(api: Api) -> None:
    _, admin = await api.account()
    [me] = (await api.client.get(f"{USERS}/", headers=admin)).json()["results"]

    demoted = await api.refused("PUT", f"{USERS}/{me['id']}", admin, {"roleId": "3"})
    deactivated = await api.refused("DELETE", f"{USERS}/{me['id']}", admin)

    assert demoted.status_code == deactivated.status_code == 409
    assert "last super admin" in deactivated.json()["message"]


async def test_unknown_and_other_accounts_users_are_not_found(api: Api) -> None:
    _, admin = await api.account()
    _, other_admin = await api.account()
    user = (await api.client.post(f"{USERS}/", json={"email": "b@acme.test"}, headers=admin)).json()

    for method, body in (("GET", None), ("PUT", {"roleId": "2"}), ("DELETE", None)):
        for path in (f"{USERS}/{user['id']}", f"{USERS}/424242"):
            refused = await api.refused(method, path, other_admin, body)
            assert refused.status_code == 404, (method, path, refused.text)
    assert (await api.refused("GET", f"{USERS}/x", admin, None)).status_code == 404
    bad = await api.client.get(f"{USERS}/b", params={"idProperty": "NAME"}, headers=admin)
    assert bad.status_code == 400
