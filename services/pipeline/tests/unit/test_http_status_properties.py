"""The status properties extension on the in-memory store: order, the properties a status may
list, tiers, permissions, tenancy, archiving a listed property, nothing written on refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ticketflow_chassis.auth import Role
from ticketflow_chassis.store.port import ConflictError
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.adapters.property_repository import PropertyRepository

from .pipeline_api import Api, Headers, member

BASE = "/crm/v3/properties/tickets"
NEW_STATUS = "/settings/v1/ticket-pipelines/default/statuses/1/properties"
PRODUCT = {
    "name": "product",
    "label": "Product",
    "type": "enumeration",
    "fieldType": "select",
    "groupName": "ticketinformation",
    "options": [
        {"label": "Widget", "value": "widget", "displayOrder": 0, "hidden": False},
        {"label": "Gadget", "value": "gadget", "displayOrder": 1, "hidden": False},
    ],
}


async def create_property(api: Api, admin: Headers, body: dict[str, Any] = PRODUCT) -> None:
    response = await api.client.post(BASE, json=body, headers=admin)
    assert response.status_code == 201, response.text


async def test_a_status_lists_its_properties_in_order_and_the_pipeline_is_republished(
    api: Api,
) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    wanted = [{"name": "product", "required": True}, {"name": "subject", "required": False}]

    put = await api.client.put(NEW_STATUS, json={"properties": wanted}, headers=admin)
    got = await api.client.get(NEW_STATUS, headers=admin)
    other = await api.client.get(NEW_STATUS.replace("/1/", "/2/"), headers=admin)

    assert put.status_code == 200, put.text
    assert put.json() == got.json() == {"results": wanted}
    assert other.json() == {"results": []}
    updated = [m for m in await api.outbox() if m["type"] == "pipeline.updated"]
    assert [m["payload"]["revision"] for m in updated] == [2]
    [status] = [s for s in updated[0]["payload"]["pipeline"]["statuses"] if s["id"] == "1"]
    assert status["properties"] == wanted


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ([{"name": "nonexistent"}], "properties.0.name"),
        ([{"name": "subject"}, {"name": "createdate"}], "properties.1.name"),
        ([{"name": "hs_pipeline_stage"}], "properties.0.name"),
        ([{"name": "subject"}, {"name": "subject"}], "properties.1.name"),
        ([{"name": "subject", "required": "sometimes"}], "properties.0.required"),
        ([{"name": ""}], "properties.0.name"),
        ([{"name": "subject"}] * 51, "properties"),
    ],
)
async def test_a_bad_status_property_list_is_refused_and_nothing_changes(
    api: Api, properties: list[dict[str, Any]], field: str
) -> None:
    _, admin = await api.account()
    before = await api.outbox()

    response = await api.client.put(NEW_STATUS, json={"properties": properties}, headers=admin)

    assert response.status_code == 400, response.text
    assert field in [e.get("in") for e in response.json()["errors"]]
    assert await api.outbox() == before
    assert (await api.client.get(NEW_STATUS, headers=admin)).json() == {"results": []}


async def test_more_than_fifty_distinct_properties_are_refused(api: Api) -> None:
    _, admin = await api.account()
    for n in range(51):
        body = {"name": f"field_{n}", "label": f"F{n}", "type": "string", "fieldType": "text"}
        await create_property(api, admin, body | {"groupName": "ticketinformation"})
    listed = [{"name": f"field_{n}"} for n in range(51)]

    too_many = await api.client.put(NEW_STATUS, json={"properties": listed}, headers=admin)
    enough = await api.client.put(NEW_STATUS, json={"properties": listed[:50]}, headers=admin)

    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["code"] == "too_many"
    assert enough.status_code == 200


async def test_required_status_properties_need_professional_or_enterprise(api: Api) -> None:
    _, admin = await api.account("starter")
    before = await api.outbox()
    required = {"properties": [{"name": "subject", "required": True}]}

    refused = await api.client.put(NEW_STATUS, json=required, headers=admin)
    optional = await api.client.put(
        NEW_STATUS, json={"properties": [{"name": "subject"}]}, headers=admin
    )

    assert refused.status_code == 403
    assert refused.json()["category"] == "TIER_LIMIT"
    assert refused.json()["message"] == (
        "Required status properties are available on Professional and Enterprise; "
        "this account is on starter"
    )
    assert optional.status_code == 200
    assert len(await api.outbox()) == len(before) + 1


async def test_only_editors_may_change_status_properties(api: Api) -> None:
    account_id, _ = await api.account()
    agent = member(account_id)
    editor = member(account_id, Role.PROPERTY_SETTINGS_EDITOR)
    body = {"properties": [{"name": "subject"}]}
    before = await api.outbox()

    refused = await api.client.put(NEW_STATUS, json=body, headers=agent)
    seen = await api.client.get(NEW_STATUS, headers=agent)

    assert refused.status_code == 403
    assert refused.json()["category"] == "MISSING_SCOPES"
    assert seen.json() == {"results": []}
    assert await api.outbox() == before
    assert (await api.client.put(NEW_STATUS, json=body, headers=editor)).status_code == 200


async def test_status_properties_follow_the_pipelines_access(api: Api) -> None:
    account_id, admin = await api.account()
    await api.directory(account_id, users=("viewer",))
    viewer = member(account_id, Role.PROPERTY_SETTINGS_EDITOR, user_id="viewer")
    outsider = member(account_id, Role.PROPERTY_SETTINGS_EDITOR, user_id="outsider")
    grant = {"granteeKind": "user", "granteeId": "viewer", "level": "view"}
    restricted = await api.client.put(
        "/settings/v1/ticket-pipelines/default/access",
        json={"restricted": True, "grants": [grant]},
        headers=admin,
    )
    assert restricted.status_code == 200, restricted.text
    body = {"properties": [{"name": "subject"}]}
    before = await api.outbox()

    seen = await api.client.get(NEW_STATUS, headers=viewer)
    refused = await api.client.put(NEW_STATUS, json=body, headers=viewer)
    hidden = await api.client.get(NEW_STATUS, headers=outsider)
    unseen = await api.client.put(NEW_STATUS, json=body, headers=outsider)

    assert (seen.status_code, refused.status_code) == (200, 403)
    assert (hidden.status_code, unseen.status_code) == (404, 404)
    assert await api.outbox() == before


@pytest.mark.parametrize(
    "path",
    [
        NEW_STATUS.replace("/1/", "/99/"),
        NEW_STATUS.replace("/default/", "/404/"),
    ],
)
async def test_an_unknown_status_or_pipeline_is_not_found(api: Api, path: str) -> None:
    _, admin = await api.account()
    before = await api.outbox()

    put = await api.client.put(path, json={"properties": []}, headers=admin)
    get = await api.client.get(path, headers=admin)

    assert (put.status_code, get.status_code) == (404, 404)
    assert await api.outbox() == before


async def test_another_accounts_status_properties_do_not_exist_for_the_caller(api: Api) -> None:
    _, admin = await api.account()
    stranger = member("another-account", Role.SUPER_ADMIN)
    await api.client.put(NEW_STATUS, json={"properties": [{"name": "subject"}]}, headers=admin)
    before = await api.outbox()

    get = await api.client.get(NEW_STATUS, headers=stranger)
    put = await api.client.put(NEW_STATUS, json={"properties": []}, headers=stranger)

    assert (get.status_code, put.status_code) == (404, 404)
    assert await api.outbox() == before
    assert (await api.client.get(NEW_STATUS, headers=admin)).json()["results"] != []


async def test_a_status_cannot_list_another_accounts_custom_property(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    _, other = await api.account()

    response = await api.client.put(
        NEW_STATUS, json={"properties": [{"name": "product"}]}, headers=other
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_property"


async def test_archiving_a_listed_property_is_refused_naming_the_statuses(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    await api.client.put(NEW_STATUS, json={"properties": [{"name": "product"}]}, headers=admin)
    before = await api.outbox()

    refused = await api.client.delete(f"{BASE}/product", headers=admin)

    assert refused.status_code == 409
    assert "status 'New' (1) of pipeline 'Support pipeline' (default)" in refused.json()["message"]
    assert await api.outbox() == before
    await api.client.put(NEW_STATUS, json={"properties": []}, headers=admin)
    assert (await api.client.delete(f"{BASE}/product", headers=admin)).status_code == 204


async def test_an_archive_that_read_the_property_before_a_status_listed_it_conflicts(
    api: Api,
) -> None:
    # The serial in-memory store cannot interleave two transactions; this replays the race:
    # the archive read the definition (no status listed it), then a status listed it.
    account_id, admin = await api.account()
    await create_property(api, admin)
    uow, context = UnitOfWork(api.store, "pipeline"), MessageContext.for_request(account_id)
    async with uow.begin(context) as session:
        stale = await PropertyRepository(session).get(account_id, "product")
    assert stale is not None
    await api.client.put(NEW_STATUS, json={"properties": [{"name": "product"}]}, headers=admin)
    stale.archive(datetime.now(UTC))

    with pytest.raises(ConflictError):
        async with uow.begin(context) as session:
            await PropertyRepository(session).save(stale)

    assert (await api.client.get(f"{BASE}/product", headers=admin)).status_code == 200


async def test_an_archived_property_cannot_be_listed_by_a_status(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    await api.client.delete(f"{BASE}/product", headers=admin)

    response = await api.client.put(
        NEW_STATUS, json={"properties": [{"name": "product"}]}, headers=admin
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_property"


async def test_a_status_keeps_its_properties_when_the_pipeline_is_renamed(api: Api) -> None:
    _, admin = await api.account()
    await api.client.put(NEW_STATUS, json={"properties": [{"name": "content"}]}, headers=admin)

    renamed = await api.client.patch(
        "/crm/v3/pipelines/tickets/default", json={"label": "Help desk"}, headers=admin
    )

    assert renamed.status_code == 200
    assert (await api.client.get(NEW_STATUS, headers=admin)).json() == {
        "results": [{"name": "content", "required": False}]
    }
