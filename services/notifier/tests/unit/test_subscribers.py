"""The notifier's subscribers on the in-memory test broker: each message type reaches its
handler, anything else is parked or ignored."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import (
    TEST_JWT_SECRET,
    envelope_of,
    pipeline_lifecycle,
    subscribers_under_test,
)
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    TicketCreated,
)
from ticketflow_notifier.adapters.repository import COLLECTIONS, TicketRecords, pipeline_replica
from ticketflow_notifier.entrypoints.subscribers import (
    PIPELINE_SNAPSHOTS,
    QUEUES,
    TICKET_EVENTS,
    build_router,
)
from ticketflow_notifier.settings import NotifierSettings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def notifier() -> ServiceRuntime:
    return ServiceRuntime(
        NotifierSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET), COLLECTIONS, QUEUES
    )


async def test_a_created_ticket_is_recorded() -> None:
    runtime = notifier()
    created = TicketCreated(ticket_id="t1", pipeline_id="default", status_id="1", created_at=NOW)
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(TICKET_EVENTS, envelope_of(created, account_id="a1"))
        async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
            record = await TicketRecords(session).get("a1", "t1")

    assert record is not None
    assert (record.pipeline_id, record.status_id) == ("default", "1")


async def test_created_updated_and_deleted_pipelines_each_reach_the_replica() -> None:
    runtime = notifier()
    labels = []
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        for event in pipeline_lifecycle():
            await subscribers.publish(PIPELINE_SNAPSHOTS, envelope_of(event, account_id="a1"))
            async with runtime.uow.begin(MessageContext.for_request("a1")) as session:
                replica = await pipeline_replica(session, "a1", "default")
            assert replica is not None
            labels.append((replica.revision, replica.pipeline.label, replica.pipeline.archived))

    assert labels == [(1, "v1", False), (2, "v2", False), (3, "v2", True)]


async def test_a_body_that_is_no_envelope_is_parked_and_an_unknown_type_is_ignored() -> None:
    runtime = notifier()
    unknown = pipeline_lifecycle()[0]  # not a ticket event
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(TICKET_EVENTS, b"{not json")
        await subscribers.publish(TICKET_EVENTS, envelope_of(unknown))
        parked = subscribers.parked[TICKET_EVENTS.name]

    assert parked == [b"{not json"]
