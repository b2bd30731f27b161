"""Pipeline access over HTTP on the in-memory store: the setting (super admins, Professional and
up) and its enforcement on the pipelines API (hidden pipelines are 404, view grants read-only)."""

from __future__ import annotations

from typing import Any

import pytest

from .pipeline_api import (
    BILLING,
    CRM,
    SETTINGS,
    Api,
    Headers,
    fields,
    user,
)

TRIGGERS_OFF = {"emailSent": {"enabled": False}, "customerReplied": {"enabled": False}}


# -- access -----------------------------------------------------------------------------------


async def test_a_super_admin_sets_access_and_the_snapshot_carries_it(api: Api) -> None:
    account_id, admin = await api.account()
    await api.directory(account_id, users=("u1",), teams=("t1",))
    access = {
        "restricted": True,
        "grants": [
            {"granteeKind": "user", "granteeId": "u1", "level": "view"},
            {"granteeKind": "team", "granteeId": "t1", "level": "edit"},
        ],
    }

    response, snapshot = await api.accepted("PUT", f"{SETTINGS}/default/access", admin, access)

    assert response.json() == access
    assert (await api.client.get(f"{SETTINGS}/default/access", headers=admin)).json() == access
    assert snapshot["access"] == {
        "restricted": True,
        "grants": [
            {"grantee_kind": "user", "grantee_id": "u1", "level": "view"},
            {"grantee_kind": "team", "grantee_id": "t1", "level": "edit"},
        ],
    }


async def test_only_super_admins_see_or_change_access(api: Api) -> None:
    account_id, _ = await api.account()
    editor = user(account_id, "u1")

    read = await api.client.get(f"{SETTINGS}/default/access", headers=editor)
    write = await api.refused("PUT", f"{SETTINGS}/default/access", editor, {"restricted": True})

    assert (read.status_code, read.json()["category"]) == (403, "MISSING_SCOPES")
    assert (write.status_code, write.json()["category"]) == (403, "MISSING_SCOPES")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "restricted": True,
                "grants": [
                    {"granteeKind": "user", "granteeId": "u1", "level": "view"},
                    {"granteeKind": "user", "granteeId": "u1", "level": "edit"},
                ],
            },
            "grants.1.granteeId",
        ),
        (
            {
                "restricted": True,
                "grants": [{"granteeKind": "x", "granteeId": "1", "level": "view"}],
            },
            "grants.0.granteeKind",
        ),
        (
            {
                "restricted": True,
                "grants": [{"granteeKind": "team", "granteeId": " ", "level": "edit"}],
            },
            "grants.0.granteeId",
        ),
        ({"grants": []}, "restricted"),
        ({"restricted": "maybe"}, "restricted"),
        ({"restricted": True, "everyone": True}, "everyone"),
    ],
)
async def test_a_bad_access_body_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account()

    response = await api.refused("PUT", f"{SETTINGS}/default/access", admin, body)

    assert response.status_code == 400
    assert field in fields(response), response.json()


async def restricted_billing(api: Api) -> tuple[str, Headers, str]:
    """An account whose Billing pipeline is restricted: user `viewer` may view, team `ops` edit."""
    account_id, admin = await api.account()
    await api.directory(account_id, users=("viewer",), teams=("ops",))
    billing = (await api.client.post(CRM, json=BILLING, headers=admin)).json()["id"]
    grants = [
        {"granteeKind": "user", "granteeId": "viewer", "level": "view"},
        {"granteeKind": "team", "granteeId": "ops", "level": "edit"},
    ]
    access = {"restricted": True, "grants": grants}
    await api.accepted("PUT", f"{SETTINGS}/{billing}/access", admin, access, billing)
    return account_id, admin, billing


async def test_a_user_without_access_never_sees_a_restricted_pipeline(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    outsider = user(account_id, "outsider", teams={"sales"})

    listed = (await api.client.get(CRM, headers=outsider)).json()["results"]
    assert [p["id"] for p in listed] == ["default"]
    for path in (
        f"{CRM}/{billing}",
        f"{CRM}/{billing}/stages",
        f"{SETTINGS}/{billing}/rules",
        f"{SETTINGS}/{billing}/automation/triggers",
    ):
        response = await api.client.get(path, headers=outsider)
        assert (response.status_code, response.json()["category"]) == (404, "OBJECT_NOT_FOUND")
        assert "Billing" not in response.text
    for method, path, body in (
        ("PATCH", f"{CRM}/{billing}", {"label": "Mine"}),
        ("DELETE", f"{CRM}/{billing}", None),
        ("PUT", f"{SETTINGS}/{billing}/rules", {"forbidSkipping": True}),
    ):
        assert (await api.refused(method, path, outsider, body)).status_code == 404


async def test_a_view_grant_sees_the_pipeline_but_may_not_change_it(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    viewer = user(account_id, "viewer")
    stage = {"label": "Escalated", "displayOrder": 5, "metadata": {"ticketState": "OPEN"}}

    assert billing in [
        p["id"] for p in (await api.client.get(CRM, headers=viewer)).json()["results"]
    ]
    assert (await api.client.get(f"{CRM}/{billing}", headers=viewer)).status_code == 200
    for method, path, body in (
        ("PATCH", f"{CRM}/{billing}", {"label": "Mine"}),
        ("POST", f"{CRM}/{billing}/stages", stage),
        ("PUT", f"{SETTINGS}/{billing}/rules", {"forbidSkipping": True}),
        ("PUT", f"{SETTINGS}/{billing}/automation/triggers", TRIGGERS_OFF),
    ):
        response = await api.refused(method, path, viewer, body)
        assert (response.status_code, response.json()["category"]) == (403, "MISSING_SCOPES")


async def test_an_edit_grant_through_a_team_edits_only_with_the_settings_role(api: Api) -> None:
    account_id, _, billing = await restricted_billing(api)
    editor = user(account_id, "e1", teams={"ops"})
    agent = user(account_id, "a1", editor=False, teams={"ops"})

    await api.accepted("PATCH", f"{CRM}/{billing}", editor, {"label": "Invoices"}, billing)

    assert (await api.client.get(f"{CRM}/{billing}", headers=agent)).status_code == 200
    refused = await api.refused("PATCH", f"{CRM}/{billing}", agent, {"label": "Mine"})
    assert refused.status_code == 403


async def test_a_restricted_pipeline_without_grants_is_left_to_super_admins(api: Api) -> None:
    account_id, admin = await api.account()
    await api.accepted("PUT", f"{SETTINGS}/default/access", admin, {"restricted": True})

    assert (await api.client.get(f"{CRM}/default", headers=admin)).status_code == 200
    everyone_else = user(account_id, "u1", teams={"ops"})
    assert (await api.client.get(CRM, headers=everyone_else)).json() == {"results": []}


async def test_a_reorder_by_an_editor_leaves_hidden_pipelines_in_place(api: Api) -> None:
    account_id, admin, billing = await restricted_billing(api)
    third_body = BILLING | {"label": "Third", "displayOrder": 2}
    third = (await api.client.post(CRM, json=third_body, headers=admin)).json()
    editor = user(account_id, "e1")

    response = await api.client.put(
        f"{SETTINGS}/order", json={"pipelineIds": [third["id"], "default"]}, headers=editor
    )

    assert [p["id"] for p in response.json()["results"]] == [third["id"], "default"]
    everything = (await api.client.get(CRM, headers=admin)).json()["results"]
    assert [p["id"] for p in everything] == [third["id"], billing, "default"]


# -- grants name the directory ----------------------------------------------------------------


async def test_grants_to_unknown_deactivated_or_foreign_entries_are_refused_writing_nothing(
    api: Api,
) -> None:
    account_id, admin = await api.account()
    other_id, _ = await api.account()
    await api.directory(account_id, users=("7", "8"), teams=("40",))
    await api.directory(other_id, users=("9",), teams=("41",))
    gone = await api.client.delete("/settings/v3/users/8", headers=admin)
    assert gone.status_code == 204, gone.text
    grants = [
        {"granteeKind": "user", "granteeId": "7", "level": "view"},
        {"granteeKind": "user", "granteeId": "no-such-user", "level": "view"},
        {"granteeKind": "user", "granteeId": "8", "level": "view"},
        {"granteeKind": "user", "granteeId": "9", "level": "view"},
        {"granteeKind": "team", "granteeId": "41", "level": "edit"},
        {"granteeKind": "team", "granteeId": "40", "level": "edit"},
    ]
    path = f"{SETTINGS}/default/access"
    before = (await api.client.get(path, headers=admin)).json()

    response = await api.refused("PUT", path, admin, {"restricted": True, "grants": grants})

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert fields(response) == [f"grants.{i}.granteeId" for i in (1, 2, 3, 4)]
    assert "'no-such-user'" in response.json()["message"]
    assert (await api.client.get(path, headers=admin)).json() == before
