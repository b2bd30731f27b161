"""The settings extensions over HTTP on the in-memory store: rules, automation triggers and
status actions; tiers, roles, tenancy, bad input, and the PipelineUpdated each change records."""

from __future__ import annotations

from typing import Any

import pytest

from .pipeline_api import (
    BILLING,
    CRM,
    SETTINGS,
    Api,
    fields,
    user,
)

TRIGGERS_OFF = {"emailSent": {"enabled": False}, "customerReplied": {"enabled": False}}


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
        assert f"available on Professional and Enterprise; this account is on {tier}" in message


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
        "Ticket automation is available on Starter, Professional and Enterprise; "
        "this account is on free"
    )


# -- status actions ---------------------------------------------------------------------------


async def test_status_actions_are_appended_edited_and_deleted(api: Api) -> None:
    account_id, admin = await api.account("starter")
    await api.directory(account_id, teams=("t1", "t2"))
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


async def test_a_notification_to_an_unknown_user_or_team_is_refused_writing_nothing(
    api: Api,
) -> None:
    account_id, admin = await api.account("starter")
    await api.directory(account_id, users=("7",), teams=("40",))
    path = f"{SETTINGS}/default/statuses/4/actions"
    to_user = {"kind": "internal_notification", "recipientKind": "user", "recipientId": "7"}
    added = (await api.accepted("POST", path, admin, to_user))[0].json()

    for body in (to_user | {"recipientId": "no-such-user"}, to_user | {"recipientKind": "team"}):
        refused = await api.refused("POST", path, admin, body)
        assert (refused.status_code, fields(refused)) == (400, ["recipientId"]), refused.text
    edit = {"recipientKind": "team", "recipientId": "no-such-team"}
    refused = await api.refused("PATCH", f"{path}/{added['id']}", admin, edit)

    assert (refused.status_code, fields(refused)) == (400, ["recipientId"])
    assert "'no-such-team'" in refused.json()["message"]
    assert [a["id"] for a in (await api.client.get(path, headers=admin)).json()["results"]] == [
        added["id"]
    ]
