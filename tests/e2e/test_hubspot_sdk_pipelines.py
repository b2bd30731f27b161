"""The official `hubspot-api-client` SDK, unchanged and pointed at our host, drives every
pipelines and stages call against the running services."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.pipelines import (
    PipelineInput,
    PipelinePatchInput,
    PipelineStageInput,
    PipelineStagePatchInput,
)
from hubspot.crm.pipelines.exceptions import ApiException

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


def stage(label: str, order: int, state: str) -> PipelineStageInput:
    return PipelineStageInput(label=label, display_order=order, metadata={"ticketState": state})


def drive_the_sdk(host: str, token: str) -> dict[str, Any]:
    """Synchronous, like the SDK; run in a thread."""
    client = HubSpot(access_token=token, host=host)
    pipelines = client.crm.pipelines.pipelines_api
    stages = client.crm.pipelines.pipeline_stages_api
    seen: dict[str, Any] = {}

    seen["initial"] = [p.id for p in pipelines.get_all("tickets").results]
    created = pipelines.create(
        "tickets",
        PipelineInput(
            label="Billing",
            display_order=1,
            stages=[stage("Open", 0, "OPEN"), stage("Done", 1, "CLOSED")],
        ),
    )
    seen["created_stages"] = [(s.label, s.metadata["ticketState"]) for s in created.stages]
    seen["fetched_label"] = pipelines.get_by_id("tickets", created.id).label
    seen["patched_label"] = pipelines.update(
        "tickets", created.id, PipelinePatchInput(label="Billing & refunds")
    ).label
    replaced = pipelines.replace(
        "tickets",
        created.id,
        PipelineInput(
            label="Refunds",
            display_order=2,
            stages=[
                stage("Open", 0, "OPEN"),
                stage("Waiting", 1, "OPEN"),
                stage("Done", 2, "CLOSED"),
            ],
        ),
    )
    seen["replaced"] = (replaced.label, [s.label for s in replaced.stages])

    added = stages.create("tickets", created.id, stage("Escalated", 5, "OPEN"))
    seen["stage_ids"] = [s.id for s in stages.get_all("tickets", created.id).results]
    seen["added_id"] = added.id
    seen["stage_fetched"] = stages.get_by_id("tickets", created.id, added.id).label
    seen["stage_patched"] = stages.update(
        "tickets", created.id, added.id, PipelineStagePatchInput(label="Urgent")
    ).label
    seen["stage_replaced"] = stages.replace(
        "tickets", created.id, added.id, stage("Very urgent", 6, "OPEN")
    ).label
    stages.archive("tickets", created.id, added.id)
    seen["after_stage_archive"] = [s.label for s in stages.get_all("tickets", created.id).results]

    pipelines.archive("tickets", created.id)
    try:
        pipelines.get_by_id("tickets", created.id)
    except ApiException as exc:
        seen["after_archive_status"] = exc.status
    seen["final"] = [p.id for p in pipelines.get_all("tickets").results]
    return seen


async def test_the_official_sdk_drives_every_pipeline_and_stage_call(suite: Suite) -> None:
    account = await create_account(suite)
    seen = await asyncio.to_thread(drive_the_sdk, suite.services["pipeline"].url, account["token"])

    assert seen["initial"] == ["default"]
    assert seen["created_stages"] == [("Open", "OPEN"), ("Done", "CLOSED")]
    assert seen["fetched_label"] == "Billing"
    assert seen["patched_label"] == "Billing & refunds"
    assert seen["replaced"] == ("Refunds", ["Open", "Waiting", "Done"])
    assert seen["added_id"] in seen["stage_ids"]
    assert (seen["stage_fetched"], seen["stage_patched"], seen["stage_replaced"]) == (
        "Escalated",
        "Urgent",
        "Very urgent",
    )
    assert seen["after_stage_archive"] == ["Open", "Waiting", "Done"]
    assert seen["after_archive_status"] == 404
    assert seen["final"] == ["default"]
