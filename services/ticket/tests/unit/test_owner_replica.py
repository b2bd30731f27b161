"""The users replica (ticket owners) on the in-memory test broker: `user.*` events on
`ticket.directory` applied in order of occurrence, redeliveries and late arrivals changing
nothing, a deactivated user staying so."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ticketflow_chassis.directory_replica import DirectoryReplicas
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import envelope_of, subscribers_under_test, user_record
from ticketflow_contracts import UserCreated, UserDeactivated, UserRecord, UserUpdated
from ticketflow_ticket.entrypoints.subscribers import DIRECTORY, build_router

from .test_subscribers import request, ticket_service

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def held(runtime: ServiceRuntime) -> UserRecord | None:
    async with runtime.uow.read(request()) as session:
        return await DirectoryReplicas(session).user("a1", "7")


async def test_user_events_reach_the_replica_in_order_and_late_ones_change_nothing() -> None:
    runtime = ticket_service()
    created = envelope_of(UserCreated(user=user_record("7")), occurred_at=T0)
    renamed = UserUpdated(user=user_record("7", first_name="Ada"))
    later = envelope_of(renamed, occurred_at=T0 + timedelta(seconds=1))
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(DIRECTORY, later)
        await subscribers.publish(DIRECTORY, created)  # arrives late: older, ignored
        first = await held(runtime)
        await subscribers.publish(DIRECTORY, later)  # redelivered: no effect
        again = await held(runtime)

    assert first is not None
    assert first.first_name == "Ada"
    assert again == first


async def test_a_deactivated_user_stays_deactivated_whatever_arrives_after() -> None:
    runtime = ticket_service()
    gone = UserDeactivated(user=user_record("7", active=False))
    stale = UserUpdated(user=user_record("7", first_name="Back"))
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(DIRECTORY, envelope_of(gone, occurred_at=T0))
        skewed = envelope_of(stale, occurred_at=T0 + timedelta(seconds=5))
        await subscribers.publish(DIRECTORY, skewed)
        user = await held(runtime)
        assert subscribers.parked[DIRECTORY.name] == []

    assert user is not None
    assert (user.active, user.first_name) == (False, None)


async def test_users_of_another_account_are_kept_apart() -> None:
    runtime = ticket_service()
    event = envelope_of(
        UserCreated(user=user_record("7")), account_id="a2", message_id=uuid.uuid4()
    )
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(DIRECTORY, event)
        assert await held(runtime) is None
