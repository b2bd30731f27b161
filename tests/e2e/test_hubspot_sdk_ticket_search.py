"""The official `hubspot-api-client` SDK, unchanged and pointed at our host, pages through
tickets (basic_api.get_page), searches them (search_api.do_search with filter groups, a sort,
a limit and `after`) and reads, creates and updates them in batches (batch_api)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.tickets import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
)

from tests.e2e.suite import Suite
from tests.e2e.test_skeleton_flow import create_account, create_ticket_when_replicated

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


def drive_the_sdk(host: str, token: str) -> dict[str, Any]:
    """Synchronous, like the SDK; run in a thread."""
    tickets = HubSpot(access_token=token, host=host).crm.tickets
    seen: dict[str, Any] = {}

    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={
                "subject": f"Batch {i}",
                "hs_pipeline": "default",
                "hs_pipeline_stage": "1",
                "hs_ticket_priority": "HIGH" if i % 2 else "LOW",
            }
        )
        for i in range(5)
    ]
    created = tickets.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    ids = sorted(t.id for t in created.results)
    seen["created"] = (created.status, len(ids))

    read = tickets.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids],
            properties=["subject", "hs_ticket_priority"],
            properties_with_history=[],
        )
    )
    seen["read"] = sorted(t.id for t in read.results)
    partly = tickets.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=ids[0]), SimplePublicObjectId(id="1")],
            properties=[],
            properties_with_history=[],
        )
    )
    seen["partly"] = ([t.id for t in partly.results], partly.num_errors, partly.errors[0].context)

    updated = tickets.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=i, properties={"hs_pipeline_stage": "2"})
                for i in ids[:2]
            ]
        )
    )
    seen["updated"] = sorted(t.properties["hs_pipeline_stage"] for t in updated.results)

    found: list[str] = []
    totals: list[int] = []
    after = None
    for _ in range(10):
        page = tickets.search_api.do_search(
            public_object_search_request=PublicObjectSearchRequest(
                filter_groups=[
                    FilterGroup(
                        filters=[
                            Filter(property_name="hs_pipeline", operator="EQ", value="default"),
                            Filter(
                                property_name="hs_ticket_priority",
                                operator="IN",
                                values=["HIGH", "LOW"],
                            ),
                        ]
                    )
                ],
                sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}],
                properties=["subject"],
                limit=2,
                after=after,
            )
        )
        found += [t.id for t in page.results]
        totals.append(page.total)
        if page.paging is None:
            break
        after = page.paging.next.after
    seen["searched"], seen["totals"] = found, totals

    paged: list[str] = []
    after = None
    for _ in range(10):
        listing = tickets.basic_api.get_page(limit=4, after=after, properties=["subject"])
        paged += [t.id for t in listing.results]
        if listing.paging is None:
            break
        after = listing.paging.next.after
    seen["paged"] = paged
    return seen


async def test_the_hubspot_sdk_searches_pages_and_batches_tickets(suite: Suite) -> None:
    account = await create_account(suite)
    async with httpx.AsyncClient() as client:
        # Waits until the account's default pipeline reached the ticket service's replica.
        warm_up = await create_ticket_when_replicated(client, suite, account["token"], "warm-up")

    seen = await asyncio.to_thread(drive_the_sdk, suite.services["ticket"].url, account["token"])

    assert seen["created"] == ("COMPLETE", 5)
    assert len(seen["read"]) == 5
    assert seen["partly"] == ([seen["read"][0]], 1, {"ids": ["1"]})
    assert seen["updated"] == ["2", "2"]
    assert len(seen["searched"]) == 5 == len(set(seen["searched"]))
    assert set(seen["totals"]) == {5}
    assert sorted(seen["paged"]) == sorted([warm_up["id"], *seen["read"]])
