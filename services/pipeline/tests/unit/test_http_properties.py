"""HubSpot's ticket properties API on the in-memory store: shapes, built-ins, rules, permissions,
tenancy, archiving, bad input, and nothing written after a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow_chassis.auth import Role

from .pipeline_api import Api, Headers, member

BASE = "/crm/v3/properties/tickets"
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
BUILT_INS = {
    "subject",
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_priority",
    "hubspot_owner_id",
    "source_type",
    "hs_ticket_category",
    "createdate",
    "hs_lastmodifieddate",
    "closed_date",
    "time_to_close",
    "hs_is_closed",
}


async def create_property(api: Api, admin: Headers, body: dict[str, Any] = PRODUCT) -> None:
    response = await api.client.post(BASE, json=body, headers=admin)
    assert response.status_code == 201, response.text


async def property_names(api: Api, headers: Headers, query: str = "") -> set[str]:
    response = await api.client.get(BASE + query, headers=headers)
    assert response.status_code == 200, response.text
    return {p["name"] for p in response.json()["results"]}


async def test_a_new_account_lists_the_built_in_ticket_properties_as_read_only(api: Api) -> None:
    _, admin = await api.account()

    listed = (await api.client.get(BASE, headers=admin)).json()["results"]

    assert {p["name"] for p in listed} == BUILT_INS
    created = next(p for p in listed if p["name"] == "createdate")
    assert created["modificationMetadata"] == {
        "archivable": False,
        "readOnlyDefinition": True,
        "readOnlyValue": True,
        "readOnlyOptions": True,
    }
    priority = next(p for p in listed if p["name"] == "hs_ticket_priority")
    assert (priority["type"], priority["fieldType"]) == ("enumeration", "select")
    assert [o["value"] for o in priority["options"]] == ["LOW", "MEDIUM", "HIGH", "URGENT"]


async def test_a_created_property_comes_back_as_hubspot_shapes_it_and_is_published(
    api: Api,
) -> None:
    _, admin = await api.account()
    created = await api.client.post(BASE, json=PRODUCT, headers=admin)
    fetched = await api.client.get(f"{BASE}/product", headers=admin)

    assert created.status_code == 201
    body = created.json()
    assert body == fetched.json()
    assert set(body) >= {
        "name",
        "label",
        "type",
        "fieldType",
        "groupName",
        "description",
        "options",
        "displayOrder",
        "hasUniqueValue",
        "hidden",
        "formField",
        "calculated",
        "externalOptions",
        "createdAt",
        "updatedAt",
        "archived",
        "modificationMetadata",
    }
    assert body["modificationMetadata"] == {
        "archivable": True,
        "readOnlyDefinition": False,
        "readOnlyValue": False,
        "readOnlyOptions": False,
    }
    assert [o["value"] for o in body["options"]] == ["widget", "gadget"]
    assert "product" in await property_names(api, admin)
    [event] = [m for m in await api.outbox() if m["type"] == "ticket_property.defined"]
    assert event["payload"]["revision"] == 1
    assert event["payload"]["definition"]["name"] == "product"
    assert [o["value"] for o in event["payload"]["definition"]["options"]] == ["widget", "gadget"]


async def test_a_property_settings_editor_may_define_properties(api: Api) -> None:
    account_id, _ = await api.account()

    await create_property(api, member(account_id, Role.PROPERTY_SETTINGS_EDITOR))


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"name": "Product"}, 400, "name"),
        ({"name": "product-line"}, 400, "name"),
        ({"name": "p" * 101}, 400, "name"),
        ({"name": "hs_product"}, 400, "name"),
        ({"name": "subject"}, 409, "name"),
        ({"name": "hs_ticket_priority"}, 409, "name"),
        ({"type": "colour"}, 400, "type"),
        ({"fieldType": "slider"}, 400, "fieldType"),
        ({"fieldType": "text"}, 400, "fieldType"),
        ({"options": []}, 400, "options"),
        ({"options": [{"label": "A", "value": "a"}, {"label": "B", "value": "a"}]}, 400, None),
        ({"type": "string", "fieldType": "text"}, 400, "options"),
        ({"label": "  "}, 400, "label"),
        ({"label": "Pro\x1bduct"}, 400, "label"),
        ({"label": "Product\u202e"}, 400, "label"),
        ({"name": "product\x00"}, 400, "name"),
        ({"groupName": "ticket\x01information"}, 400, "groupName"),
        ({"options": [{"label": "Wid\u2069get", "value": "widget"}]}, 400, "options.0.label"),
        ({"options": [{"label": "Widget", "value": "wid\x08get"}]}, 400, "options.0.value"),
        ({"calculationFormula": "1 + 1"}, 400, "calculationFormula"),
    ],
)
async def test_a_bad_definition_is_refused_naming_the_field_and_nothing_is_written(
    api: Api, change: dict[str, Any], status: int, field: str | None
) -> None:
    _, admin = await api.account()
    before = await api.outbox()

    response = await api.client.post(BASE, json=PRODUCT | change, headers=admin)

    assert response.status_code == status, response.text
    if field is not None:
        assert field in [e.get("in") for e in response.json()["errors"]]
    assert await api.outbox() == before
    assert await property_names(api, admin) == BUILT_INS


async def test_duplicate_option_values_are_refused_naming_the_option(api: Api) -> None:
    _, admin = await api.account()
    options = [{"label": "A", "value": "a"}, {"label": "B", "value": "a"}]

    response = await api.client.post(BASE, json=PRODUCT | {"options": options}, headers=admin)

    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "options.1.value"


async def test_a_second_property_with_a_taken_name_conflicts(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    before = await api.outbox()

    response = await api.client.post(BASE, json=PRODUCT | {"label": "Other"}, headers=admin)

    assert response.status_code == 409
    assert response.json()["category"] == "CONFLICT"
    assert await api.outbox() == before


async def test_only_editors_may_write_properties(api: Api) -> None:
    account_id, admin = await api.account()
    await create_property(api, admin)
    agent = member(account_id)
    before = await api.outbox()

    responses = [
        await api.client.post(BASE, json=PRODUCT | {"name": "other"}, headers=agent),
        await api.client.patch(f"{BASE}/product", json={"label": "X"}, headers=agent),
        await api.client.delete(f"{BASE}/product", headers=agent),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {r.json()["category"] for r in responses} == {"MISSING_SCOPES"}
    assert await api.outbox() == before
    assert "product" in await property_names(api, agent)  # reading needs no role


async def test_a_change_replaces_the_options_and_publishes_the_next_revision(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    options = [{"label": "Widget", "value": "widget"}, {"label": "Gizmo", "value": "gizmo"}]

    response = await api.client.patch(
        f"{BASE}/product", json={"label": "Product line", "options": options}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["label"] == "Product line"
    assert [o["value"] for o in response.json()["options"]] == ["widget", "gizmo"]
    defined = [m for m in await api.outbox() if m["type"] == "ticket_property.defined"]
    assert [m["payload"]["revision"] for m in defined] == [1, 2]


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("subject", {"label": "Title"}, 400),
        ("missing", {"label": "Title"}, 404),
        ("product", {"fieldType": "textarea"}, 400),
        ("product", {"options": []}, 400),
        ("product", {"name": "renamed"}, 400),
        ("product", {"hasUniqueValue": True}, 400),
    ],
)
async def test_a_bad_change_is_refused_and_nothing_is_written(
    api: Api, name: str, body: dict[str, Any], status: int
) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    before = await api.outbox()
    stored = (await api.client.get(f"{BASE}/product", headers=admin)).json()

    response = await api.client.patch(f"{BASE}/{name}", json=body, headers=admin)

    assert response.status_code == status, response.text
    assert await api.outbox() == before
    assert (await api.client.get(f"{BASE}/product", headers=admin)).json() == stored


async def test_an_archived_property_is_gone_but_keeps_its_name(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)

    archived = await api.client.delete(f"{BASE}/product", headers=admin)
    fetched = await api.client.get(f"{BASE}/product", headers=admin)
    as_archived = await api.client.get(f"{BASE}/product?archived=true", headers=admin)
    again = await api.client.post(BASE, json=PRODUCT, headers=admin)

    assert archived.status_code == 204
    assert fetched.status_code == 404
    assert as_archived.json()["archived"] is True
    assert "archivedAt" in as_archived.json()
    assert await property_names(api, admin) == BUILT_INS
    assert await property_names(api, admin, "?archived=true") == {"product"}
    assert again.status_code == 409
    assert "archived" in again.json()["message"]
    types = [m["type"] for m in await api.outbox() if m["type"].startswith("ticket_property")]
    assert types == ["ticket_property.defined", "ticket_property.archived"]


@pytest.mark.parametrize(("name", "status"), [("subject", 400), ("missing", 404)])
async def test_a_built_in_or_missing_property_cannot_be_archived(
    api: Api, name: str, status: int
) -> None:
    _, admin = await api.account()
    before = await api.outbox()

    response = await api.client.delete(f"{BASE}/{name}", headers=admin)

    assert response.status_code == status
    assert await api.outbox() == before


async def test_another_accounts_properties_do_not_exist_for_the_caller(api: Api) -> None:
    _, admin = await api.account()
    await create_property(api, admin)
    _, stranger = await api.account()
    before = await api.outbox()

    assert await property_names(api, stranger) == BUILT_INS
    assert (await api.client.get(f"{BASE}/product", headers=stranger)).status_code == 404
    patched = await api.client.patch(f"{BASE}/product", json={"label": "X"}, headers=stranger)
    deleted = await api.client.delete(f"{BASE}/product", headers=stranger)
    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert await api.outbox() == before
    await create_property(api, stranger)  # the name is free in the other account
