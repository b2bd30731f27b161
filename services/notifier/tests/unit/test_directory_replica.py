"""The notifier's directory replica on the in-memory test broker: `user.*` and `team.*` events
on `notifier.directory` kept by time of occurrence (team members and primary flags included),
redeliveries and late arrivals changing nothing, a deleted team staying deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow_chassis.directory_replica import DirectoryReplicas
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import envelope_of, subscribers_under_test, user_record
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import (
    TeamCreated,
    TeamDeleted,
    TeamMember,
    TeamRecord,
    TeamUpdated,
    UserCreated,
    UserRecord,
    UserUpdated,
)
from ticketflow_notifier.entrypoints.subscribers import DIRECTORY, build_router

from .test_subscribers import notifier

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def team(*members: TeamMember, name: str = "Support") -> TeamRecord:
    return TeamRecord(id="40", name=name, members=list(members))


async def held(runtime: ServiceRuntime) -> tuple[UserRecord | None, TeamRecord | None]:
    async with runtime.uow.read(MessageContext.for_request("a1")) as session:
        replicas = DirectoryReplicas(session)
        return await replicas.user("a1", "7"), await replicas.team("a1", "40")


async def test_users_and_teams_are_applied_in_order_and_redelivery_changes_nothing() -> None:
    runtime = notifier()
    primary = TeamMember(user_id="7", primary=True)
    joined = user_record("7", primary_team_id="40")
    events = [
        envelope_of(UserCreated(user=user_record("7")), occurred_at=T0),
        envelope_of(TeamCreated(team=team()), occurred_at=T0),
        envelope_of(UserUpdated(user=joined), occurred_at=T0 + timedelta(seconds=1)),
        envelope_of(TeamUpdated(team=team(primary)), occurred_at=T0 + timedelta(seconds=1)),
    ]
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        for event in events:
            await subscribers.publish(DIRECTORY, event)
        applied = await held(runtime)
        for event in reversed(events):  # redelivered, newest first: nothing changes
            await subscribers.publish(DIRECTORY, event)
        again = await held(runtime)
        assert subscribers.parked[DIRECTORY.name] == []

    user, kept = applied
    assert user is not None
    assert user.primary_team_id == "40"
    assert kept == team(primary)
    assert again == applied


async def test_a_deleted_team_is_gone_and_a_late_update_does_not_bring_it_back() -> None:
    runtime = notifier()
    async with subscribers_under_test(runtime, build_router(runtime)) as subscribers:
        await subscribers.publish(DIRECTORY, envelope_of(TeamCreated(team=team()), occurred_at=T0))
        deleted = envelope_of(TeamDeleted(team=team()), occurred_at=T0 + timedelta(seconds=2))
        await subscribers.publish(DIRECTORY, deleted)
        skewed = envelope_of(
            TeamUpdated(team=team(name="Back")), occurred_at=T0 + timedelta(seconds=3)
        )
        await subscribers.publish(DIRECTORY, skewed)
        _, kept = await held(runtime)

    assert kept is None
