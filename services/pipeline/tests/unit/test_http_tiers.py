"""Tier rules over HTTP: a Free account keeps its default pipeline and statuses (403
TIER_LIMIT naming the tiers, nothing written) but may rename it; Starter may change them."""

from __future__ import annotations

from typing import Any

import pytest

from .pipeline_api import BILLING, CRM, SETTINGS, Api

STAGES = [
    {"label": "New", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
    {"label": "Waiting on contact", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}},
    {"label": "Waiting on us", "displayOrder": 2, "metadata": {"ticketState": "OPEN"}},
    {"label": "Closed", "displayOrder": 3, "metadata": {"ticketState": "CLOSED"}},
]
ESCALATED = {"label": "Escalated", "displayOrder": 4, "metadata": {"ticketState": "OPEN"}}
CUSTOM_STATUSES = (
    "Custom ticket statuses are available on Starter, Professional and Enterprise; "
    "this account is on free"
)
# Every route that changes a pipeline's statuses, or makes a pipeline: (method, path, body).
STATUS_CHANGES: list[tuple[str, str, Any]] = [
    ("POST", f"{CRM}/default/stages", ESCALATED),
    ("PATCH", f"{CRM}/default/stages/2", {"label": "Waiting on customer"}),
    ("PATCH", f"{CRM}/default/stages/3", {"metadata": {"ticketState": "CLOSED"}}),
    ("PATCH", f"{CRM}/default/stages/2", {"displayOrder": 7}),
    ("PUT", f"{CRM}/default/stages/2", {**STAGES[1], "label": "Waiting on customer"}),
    ("DELETE", f"{CRM}/default/stages/3", None),
    ("PUT", f"{SETTINGS}/default/statuses/order", {"statusIds": ["1", "3", "2", "4"]}),
    (
        "PUT",
        f"{CRM}/default",
        {"label": "Support", "displayOrder": 0, "stages": [*STAGES, ESCALATED]},
    ),
    ("PUT", f"{SETTINGS}/default/statuses/1/properties", {"properties": [{"name": "subject"}]}),
]
IDS = ["add", "relabel", "close", "order", "replace", "delete", "reorder", "put", "properties"]


async def default_pipeline(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    response = await api.client.get(f"{CRM}/default", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("method", "path", "body"), STATUS_CHANGES, ids=IDS)
async def test_a_free_account_cannot_change_its_statuses(
    api: Api, method: str, path: str, body: Any
) -> None:
    _, admin = await api.account("free")
    before = await default_pipeline(api, admin)

    refused = await api.refused(method, path, admin, body)

    assert (refused.status_code, refused.json()["category"]) == (403, "TIER_LIMIT")
    assert refused.json()["message"] == CUSTOM_STATUSES
    assert await default_pipeline(api, admin) == before


@pytest.mark.parametrize(("method", "path", "body"), STATUS_CHANGES, ids=IDS)
async def test_a_starter_account_can_change_its_statuses(
    api: Api, method: str, path: str, body: Any
) -> None:
    _, admin = await api.account("starter")

    response = await api.client.request(method, path, json=body, headers=admin)

    # 202: a deleted status waits for the ticket service, which no test here runs.
    assert response.status_code in (200, 201, 202, 204), response.text


async def test_a_free_account_cannot_create_a_pipeline(api: Api) -> None:
    _, admin = await api.account("free")

    refused = await api.refused("POST", CRM, admin, BILLING)
    listed = await api.client.get(CRM, headers=admin)

    assert (refused.status_code, refused.json()["category"]) == (403, "TIER_LIMIT")
    assert refused.json()["message"] == (
        "Custom ticket pipelines are available on Starter, Professional and Enterprise; "
        "this account is on free"
    )
    assert [p["id"] for p in listed.json()["results"]] == ["default"]


async def test_a_free_account_may_rename_its_pipeline(api: Api) -> None:
    _, admin = await api.account("free")

    _, patched = await api.accepted("PATCH", f"{CRM}/default", admin, {"label": "Help desk"})
    put = {"label": "Support", "displayOrder": 0, "stages": STAGES}
    _, replaced = await api.accepted("PUT", f"{CRM}/default", admin, put)

    assert patched["label"] == "Help desk"
    assert replaced["label"] == "Support"
    assert [(s["id"], s["label"]) for s in replaced["statuses"]] == [
        ("1", "New"),
        ("2", "Waiting on contact"),
        ("3", "Waiting on us"),
        ("4", "Closed"),
    ]
