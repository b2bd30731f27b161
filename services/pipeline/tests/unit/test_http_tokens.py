"""A user's API tokens on the pipeline service: a super admin issues one (shown once), lists
them, revokes one (token.revoked, once); the token carries the user's role and teams and its
id; bad input is refused naming what is wrong, with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_chassis.auth import Role
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import TokenUsed
from ticketflow_pipeline.handlers.tokens import record_token_use

from .pipeline_api import OPERATOR, TOKENS, Api, bearer, fields, member

USERS = "/settings/v3/users"


def tokens_of(user_id: str) -> str:
    return f"/settings/v1/users/{user_id}/tokens"


async def new_user(api: Api, admin: dict[str, str], email: str, role_id: str = "3") -> str:
    created = await api.client.post(
        f"{USERS}/", json={"email": email, "roleId": role_id}, headers=admin
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_super_admin_issues_a_token_shown_once_that_acts_as_the_user(api: Api) -> None:
    account_id, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test", role_id="2")

    issued = await api.client.post(tokens_of(bob), json={"name": "CI export"}, headers=admin)

    assert issued.status_code == 201, issued.text
    body = issued.json()
    principal = TOKENS.decode(body["token"], now=datetime.now(UTC))
    assert (principal.account_id, principal.user_id, principal.token_id) == (
        account_id,
        bob,
        body["id"],
    )
    assert principal.roles == {Role.PROPERTY_SETTINGS_EDITOR}
    listed = (await api.client.get(tokens_of(bob), headers=admin)).json()["results"]
    assert [(t["id"], t["name"], t["revokedAt"]) for t in listed] == [
        (body["id"], "CI export", None)
    ]
    assert "token" not in listed[0]
    assert body["expiresAt"] > body["createdAt"]


async def test_a_revocation_is_recorded_once_and_published(api: Api) -> None:
    _, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    token_id = (
        await api.client.post(tokens_of(bob), json={"name": "laptop"}, headers=admin)
    ).json()["id"]

    first = await api.client.delete(f"{tokens_of(bob)}/{token_id}", headers=admin)
    again = await api.client.delete(f"{tokens_of(bob)}/{token_id}", headers=admin)

    assert (first.status_code, again.status_code) == (204, 204)
    revoked = [e["payload"] for e in await api.outbox() if e["type"] == "token.revoked"]
    assert [(r["token_id"], r["user_id"]) for r in revoked] == [(token_id, bob)]
    [listed] = (await api.client.get(tokens_of(bob), headers=admin)).json()["results"]
    assert listed["revokedAt"] is not None


async def test_only_a_super_admin_manages_tokens(api: Api) -> None:
    account_id, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    editor = member(account_id, Role.PROPERTY_SETTINGS_EDITOR)

    refused = await api.refused("POST", tokens_of(bob), editor, {"name": "mine"})
    listing = await api.client.get(tokens_of(bob), headers=editor)

    assert (refused.status_code, listing.status_code) == (403, 403)


async def test_bad_input_is_refused_naming_it_and_writes_nothing(api: Api) -> None:
    _, admin = await api.account()
    _, other_admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    stranger = await new_user(api, other_admin, "eve@globex.test")
    token_id = (
        await api.client.post(tokens_of(bob), json={"name": "laptop"}, headers=admin)
    ).json()["id"]

    for body, field in (({}, "name"), ({"name": ""}, "name"), ({"name": "x", "ttl": 1}, "ttl")):
        refused = await api.refused("POST", tokens_of(bob), admin, body)
        assert (refused.status_code, fields(refused)) == (400, [field]), refused.text
    blank = await api.refused("POST", tokens_of(bob), admin, {"name": "   "})
    assert (blank.status_code, fields(blank)) == (400, ["name"])
    for user_id in ("no-such-user", stranger):  # another account's user does not exist here
        missing = await api.refused("POST", tokens_of(user_id), admin, {"name": "x"})
        assert missing.status_code == 404
        assert user_id in missing.json()["message"]
    for path in (f"{tokens_of(bob)}/no-such-token", f"{tokens_of(stranger)}/{token_id}"):
        assert (await api.refused("DELETE", path, admin)).status_code == 404


async def test_a_deactivated_user_gets_no_new_token(api: Api) -> None:
    _, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    assert (await api.client.delete(f"{USERS}/{bob}", headers=admin)).status_code == 204

    refused = await api.refused("POST", tokens_of(bob), admin, {"name": "late"})

    assert refused.status_code == 404


async def test_an_operator_issues_a_token_for_a_user_of_any_account(api: Api) -> None:
    account_id, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    path = f"/admin/v1/accounts/{account_id}/users/{bob}/tokens"

    issued = await api.client.post(path, json={"name": "cli"}, headers=bearer(OPERATOR))
    refused = await api.refused("POST", path, admin, {"name": "cli"})

    assert issued.status_code == 201, issued.text
    assert TOKENS.decode(issued.json()["token"]).user_id == bob
    assert refused.status_code == 403


async def test_the_latest_use_any_service_reports_is_listed(api: Api) -> None:
    account_id, admin = await api.account()
    bob = await new_user(api, admin, "bob@acme.test")
    token_id = (
        await api.client.post(tokens_of(bob), json={"name": "laptop"}, headers=admin)
    ).json()["id"]
    later, earlier = (
        datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
    )
    context = MessageContext.for_request(account_id)

    for moment in (later, earlier):  # reports of two services, arriving out of order
        used = TokenUsed(token_id=token_id, user_id=bob, last_used_at=moment)
        await record_token_use(used, api.uow, context)
    await record_token_use(
        TokenUsed(token_id="no-such-token", user_id=bob, last_used_at=later), api.uow, context
    )

    [listed] = (await api.client.get(tokens_of(bob), headers=admin)).json()["results"]
    assert listed["lastUsedAt"] == "2026-12-02T09:00:00.000Z"
