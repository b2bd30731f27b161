"""HubSpot's pipelines and stages API on the in-memory store: shapes, rules, permissions,
tenancy, bad input, and the retirement saga's pipeline side."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_contracts import StatusesClosed
from ticketflow_pipeline.handlers.retirements import complete_retirement

from .pipeline_api import BILLING, CRM, Api, bearer

BASE = CRM


async def test_a_created_pipeline_comes_back_as_hubspot_shapes_it(api: Api) -> None:
    _, admin = await api.account()
    created = await api.client.post(BASE, json=BILLING, headers=admin)

    assert created.status_code == 201
    body = created.json()
    assert set(body) >= {
        "id",
        "label",
        "displayOrder",
        "createdAt",
        "updatedAt",
        "archived",
        "stages",
    }
    assert [(s["label"], s["metadata"]["ticketState"]) for s in body["stages"]] == [
        ("Open", "OPEN"),
        ("Done", "CLOSED"),
    ]
    listed = (await api.client.get(BASE, headers=admin)).json()["results"]
    assert [p["label"] for p in listed] == ["Support pipeline", "Billing"]
    assert (await api.client.get(f"{BASE}/{body['id']}", headers=admin)).json() == body
    assert (await api.outbox_types()).count("pipeline.created") == 2


async def test_rename_and_stage_changes_publish_a_new_revision(api: Api) -> None:
    _, admin = await api.account()
    renamed = await api.client.patch(f"{BASE}/default", json={"label": "Help desk"}, headers=admin)
    stage = await api.client.post(
        f"{BASE}/default/stages",
        json={"label": "Escalated", "displayOrder": 9, "metadata": {"ticketState": "OPEN"}},
        headers=admin,
    )
    patched = await api.client.patch(
        f"{BASE}/default/stages/{stage.json()['id']}", json={"label": "Urgent"}, headers=admin
    )

    assert renamed.json()["label"] == "Help desk"
    assert stage.status_code == 201
    assert patched.json()["label"] == "Urgent"
    revisions = [
        json.loads(e.message.body)["payload"]["revision"]
        for e in await api.store.outbox_entries()
        if json.loads(e.message.body)["type"].startswith("pipeline.")
    ]
    assert revisions == [1, 2, 3, 4]


async def test_the_settings_page_reorders_pipelines_and_statuses(api: Api) -> None:
    _, admin = await api.account()
    billing = (await api.client.post(BASE, json=BILLING, headers=admin)).json()

    pipelines = await api.client.put(
        "/settings/v1/ticket-pipelines/order",
        json={"pipelineIds": [billing["id"], "default"]},
        headers=admin,
    )
    statuses = await api.client.put(
        "/settings/v1/ticket-pipelines/default/statuses/order",
        json={"statusIds": ["4", "3", "2", "1"]},
        headers=admin,
    )

    assert [p["id"] for p in pipelines.json()["results"]] == [billing["id"], "default"]
    assert [s["id"] for s in statuses.json()["stages"]] == ["4", "3", "2", "1"]


async def test_the_starter_tier_stops_at_two_pipelines(api: Api) -> None:
    _, admin = await api.account("starter")
    second = await api.client.post(BASE, json=BILLING, headers=admin)
    refused = await api.client.post(BASE, json={**BILLING, "label": "Returns"}, headers=admin)

    assert second.status_code == 201
    assert refused.status_code == 403
    assert refused.json()["category"] == "TIER_LIMIT"
    assert "starter tier allows 2" in refused.json()["message"]


async def test_a_user_without_the_settings_permission_cannot_change_pipelines(api: Api) -> None:
    account_id, _ = await api.account()
    agent = bearer(Principal(account_id, "agent", frozenset(), frozenset()))
    before = await api.outbox_types()

    refused = await api.client.post(BASE, json=BILLING, headers=agent)

    assert refused.status_code == 403
    assert refused.json()["category"] == "MISSING_SCOPES"
    assert (await api.client.get(BASE, headers=agent)).status_code == 200
    assert await api.outbox_types() == before


async def test_another_accounts_pipelines_do_not_exist(api: Api) -> None:
    _, admin = await api.account()
    _, stranger = await api.account()
    billing = (await api.client.post(BASE, json=BILLING, headers=admin)).json()

    for method, path in [
        ("GET", f"{BASE}/{billing['id']}"),
        ("GET", f"{BASE}/{billing['id']}/stages"),
        ("PATCH", f"{BASE}/{billing['id']}"),
        ("DELETE", f"{BASE}/{billing['id']}"),
    ]:
        body = {"label": "Mine"} if method == "PATCH" else None
        response = await api.client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {**BILLING, "stages": [{"label": "A", "displayOrder": 0, "metadata": {}}]},
            "stages.0.metadata.ticketState",
        ),
        (
            {
                **BILLING,
                "stages": [
                    {"label": "A", "displayOrder": 0, "metadata": {"ticketState": "PENDING"}}
                ],
            },
            "stages.0.metadata.ticketState",
        ),
        ({**BILLING, "label": "x" * 1001}, "label"),
        ({**BILLING, "label": "  "}, "label"),
        ({**BILLING, "colour": "red"}, "colour"),
        ({**BILLING, "displayOrder": "first"}, "displayOrder"),
        ({**BILLING, "stages": BILLING["stages"][:1]}, "stages"),  # type: ignore[index]
        ({**BILLING, "label": "support pipeline"}, "label"),
        ({**BILLING, "label": "Bill\x07ing"}, "label"),
        ({**BILLING, "label": "Bill\x00"}, "label"),
        ({**BILLING, "label": "gnilli\u202eB"}, "label"),
        (
            {
                **BILLING,
                "stages": [
                    {"label": "Op\u2066en", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
                    {"label": "Done", "displayOrder": 1, "metadata": {"ticketState": "CLOSED"}},
                ],
            },
            "label",
        ),
    ],
)
async def test_a_bad_pipeline_is_refused_naming_the_field_and_nothing_changes(
    api: Api, body: dict[str, Any], field: str
) -> None:
    _, admin = await api.account()
    before = await api.outbox_types()

    response = await api.client.post(BASE, json=body, headers=admin)

    assert response.status_code == 400, response.text
    assert field in [e.get("in") for e in response.json()["errors"]], response.json()
    assert await api.outbox_types() == before


async def test_unknown_pipelines_and_stages_are_404(api: Api) -> None:
    _, admin = await api.account()
    assert (await api.client.get(f"{BASE}/nope", headers=admin)).status_code == 404
    assert (await api.client.get(f"{BASE}/default/stages/99", headers=admin)).status_code == 404


async def test_deleting_the_last_pipeline_is_refused(api: Api) -> None:
    _, admin = await api.account()
    refused = await api.client.delete(f"{BASE}/default", headers=admin)
    assert refused.status_code == 409
    assert "last pipeline" in refused.json()["message"]


async def test_a_deletion_asks_the_ticket_service_and_applies_its_answer(api: Api) -> None:
    account_id, admin = await api.account()
    billing = (await api.client.post(BASE, json=BILLING, headers=admin)).json()

    pending = await api.client.delete(f"{BASE}/{billing['id']}", headers=admin)

    assert pending.status_code == 202  # no ticket service answers in this test
    [command] = [
        json.loads(e.message.body)
        for e in await api.store.outbox_entries()
        if json.loads(e.message.body)["type"] == "ticket.close_statuses"
    ]
    assert command["payload"]["whole_pipeline"] is True
    busy = await api.client.patch(f"{BASE}/{billing['id']}", json={"label": "X"}, headers=admin)
    assert busy.status_code == 409

    answer = StatusesClosed(
        retirement_id=command["payload"]["retirement_id"],
        pipeline_id=billing["id"],
        status_ids=command["payload"]["status_ids"],
    )
    envelope = envelope_of(answer, account_id=account_id, producer="ticket")
    await deliver(complete_retirement, api.uow, envelope)

    assert (await api.client.get(f"{BASE}/{billing['id']}", headers=admin)).status_code == 404
    assert "pipeline.deleted" in await api.outbox_types()


@pytest.mark.parametrize("display_order", [2**31, -(2**31) - 1, 10**30])
async def test_a_display_order_beyond_32_bits_is_a_400_naming_it(
    api: Api, display_order: int
) -> None:
    """HubSpot's display orders are 32-bit integers; a larger one would overflow the stores'
    (SQLite's binding, BSON) as a 500."""
    _, admin = await api.account()
    stage = {"label": "New", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}}
    done = {"label": "Done", "displayOrder": 1, "metadata": {"ticketState": "CLOSED"}}
    cases = [
        ("PATCH", f"{CRM}/default", {"displayOrder": display_order}, "displayOrder"),
        ("POST", CRM, {**BILLING, "displayOrder": display_order}, "displayOrder"),
        (
            "POST",
            CRM,
            {**BILLING, "stages": [{**stage, "displayOrder": display_order}, done]},
            "stages.0.displayOrder",
        ),
        ("PATCH", f"{CRM}/default/stages/1", {"displayOrder": display_order}, "displayOrder"),
    ]
    for method, path, body, field in cases:
        refused = await api.refused(method, path, admin, body)
        assert refused.status_code == 400, refused.text
        assert field in [e.get("in") for e in refused.json()["errors"]], refused.text
