"""Replicas of the pipeline service's directory (users, teams), fed by `user.*` and `team.*`
events that carry the whole record but no revision: a record is applied only when its event
occurred later than the one held (`occurred_at`, microseconds), so redeliveries and late
arrivals change nothing, and a deactivated user or a deleted team stays so (ids are never
reused; nothing reactivates them).

    subscribe_user_replica(consumer, uow, "directory_users")
    held = await DirectoryReplicas(session).user(account_id, user_id)  # UserRecord | None
"""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.messaging.consuming import QueueConsumer
from ticketflow_chassis.store.port import Collection, Document, scoped_id
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import (
    Envelope,
    TeamCreated,
    TeamDeleted,
    TeamRecord,
    TeamUpdated,
    UserCreated,
    UserDeactivated,
    UserRecord,
    UserUpdated,
)

USERS = "directory_users"
TEAMS = "directory_teams"
# Read by id only (the owner a ticket names, a notification's recipient).
USER_COLLECTION = Collection(USERS)
TEAM_COLLECTION = Collection(TEAMS)


def event_time(occurred_at: datetime) -> int:
    """The order of directory events: when they occurred, in microseconds since the epoch. The
    pipeline service writes one user (or team) at a time under a version check, so a later
    state's unit of work began after the earlier one committed."""
    return round(occurred_at.timestamp() * 1_000_000)


class DirectoryReplicas:
    """`{id, account_id, entry_id, at, final, record}` per user (or team), `id` scoped."""

    def __init__(self, session: Session, users: str = USERS, teams: str = TEAMS):
        self._session, self._users, self._teams = session, users, teams

    async def apply_user(self, account_id: str, user: UserRecord, at: int) -> bool:
        record = user.model_dump(mode="json")
        return await self._apply(self._users, account_id, user.id, record, at, not user.active)

    async def apply_team(self, account_id: str, team: TeamRecord, at: int, deleted: bool) -> bool:
        record = team.model_dump(mode="json")
        return await self._apply(self._teams, account_id, team.id, record, at, deleted)

    async def user(self, account_id: str, user_id: str) -> UserRecord | None:
        doc = await self._session.get(self._users, scoped_id(account_id, user_id))
        return UserRecord.model_validate(doc["record"]) if doc else None

    async def team(self, account_id: str, team_id: str) -> TeamRecord | None:
        """A team the account has; None when unknown or deleted."""
        doc = await self._session.get(self._teams, scoped_id(account_id, team_id))
        return TeamRecord.model_validate(doc["record"]) if doc and not doc["final"] else None

    async def _apply(
        self,
        collection: str,
        account_id: str,
        entry_id: str,
        record: Document,
        at: int,
        final: bool,
    ) -> bool:
        doc_id = scoped_id(account_id, entry_id)
        current: Document | None = await self._session.get(collection, doc_id)
        if current is not None and (current["at"] >= at or current["final"]):
            return False
        document = {
            "id": doc_id,
            "account_id": account_id,
            "entry_id": entry_id,
            "at": at,
            "final": final,
            "record": record,
        }
        expected = current["version"] if current is not None else None
        await self._session.put(collection, document, expected_version=expected)
        return True


async def apply_user(
    user: UserRecord, occurred_at: datetime, uow: UnitOfWork, context: MessageContext, users: str
) -> None:
    """The handler of every `user.*` event: keep the record if it is newer."""
    await uow.retrying(_apply_user_once, user, event_time(occurred_at), uow, context, users)


async def _apply_user_once(
    user: UserRecord, at: int, uow: UnitOfWork, context: MessageContext, users: str
) -> None:
    async with uow.begin(context) as session:
        await DirectoryReplicas(session, users=users).apply_user(context.account_id, user, at)


async def apply_team(
    team: TeamRecord,
    occurred_at: datetime,
    deleted: bool,
    uow: UnitOfWork,
    context: MessageContext,
    teams: str,
) -> None:
    """The handler of every `team.*` event: keep the record if it is newer."""
    at = event_time(occurred_at)
    await uow.retrying(_apply_team_once, team, at, deleted, uow, context, teams)


async def _apply_team_once(
    team: TeamRecord, at: int, deleted: bool, uow: UnitOfWork, context: MessageContext, teams: str
) -> None:
    async with uow.begin(context) as session:
        replicas = DirectoryReplicas(session, teams=teams)
        await replicas.apply_team(context.account_id, team, at, deleted)


def subscribe_user_replica(consumer: QueueConsumer, uow: UnitOfWork, users: str = USERS) -> None:
    """The typed subscribers of `user.created/updated/deactivated`, kept in `users`."""

    async def apply(
        event: Envelope[UserCreated] | Envelope[UserUpdated] | Envelope[UserDeactivated],
    ) -> None:
        user = event.payload.user
        await apply_user(user, event.occurred_at, uow, consumer.context_of(event), users)

    @consumer.on(UserCreated)
    async def on_user_created(event: Envelope[UserCreated]) -> None:
        await apply(event)

    @consumer.on(UserUpdated)
    async def on_user_updated(event: Envelope[UserUpdated]) -> None:
        await apply(event)

    @consumer.on(UserDeactivated)
    async def on_user_deactivated(event: Envelope[UserDeactivated]) -> None:
        await apply(event)


def subscribe_team_replica(consumer: QueueConsumer, uow: UnitOfWork, teams: str = TEAMS) -> None:
    """The typed subscribers of `team.created/updated/deleted`, kept in `teams`."""

    async def apply(
        event: Envelope[TeamCreated] | Envelope[TeamUpdated] | Envelope[TeamDeleted],
    ) -> None:
        deleted = isinstance(event.payload, TeamDeleted)
        context = consumer.context_of(event)
        await apply_team(event.payload.team, event.occurred_at, deleted, uow, context, teams)

    @consumer.on(TeamCreated)
    async def on_team_created(event: Envelope[TeamCreated]) -> None:
        await apply(event)

    @consumer.on(TeamUpdated)
    async def on_team_updated(event: Envelope[TeamUpdated]) -> None:
        await apply(event)

    @consumer.on(TeamDeleted)
    async def on_team_deleted(event: Envelope[TeamDeleted]) -> None:
        await apply(event)
