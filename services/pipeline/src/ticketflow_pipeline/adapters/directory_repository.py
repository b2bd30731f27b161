"""Users and teams <-> documents on the chassis store port."""

from __future__ import annotations

from datetime import datetime

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_pipeline.domain.teams import Team
from ticketflow_pipeline.domain.users import Membership, User

USERS = "users"
TEAMS = "teams"
# An account's directory is read whole for team memberships (HubSpot's largest portals have a
# few thousand users); past this, reads page.
MAX_DIRECTORY_READ = 10_000

USER_COLLECTION = Collection(
    USERS,
    (
        Index(("account_id", "email"), unique=True),
        Index(("account_id", "active", "user_id")),
    ),
    field_types={
        "account_id": "string",
        "email": "string",
        "active": "boolean",
        "user_id": "string",
    },
)
TEAM_COLLECTION = Collection(
    TEAMS,
    # Backstop for two concurrent creations with one name (the domain checks first).
    (Index(("account_id", "name_key"), unique=True),),
    field_types={"account_id": "string", "name_key": "string"},
)


def user_to_doc(user: User) -> Document:
    return {
        "id": scoped_id(user.account_id, user.id),
        "account_id": user.account_id,
        "user_id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role_id": user.role_id,
        "primary_team_id": user.membership.primary_team_id,
        "secondary_team_ids": list(user.membership.secondary_team_ids),
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
    }


def user_from_doc(doc: Document) -> User:
    return User(
        id=doc["user_id"],
        account_id=doc["account_id"],
        email=doc["email"],
        role_id=doc["role_id"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        first_name=doc["first_name"],
        last_name=doc["last_name"],
        membership=Membership(doc["primary_team_id"], tuple(doc["secondary_team_ids"])),
        active=doc["active"],
        version=doc["version"],
    )


def team_to_doc(team: Team) -> Document:
    return {
        "id": scoped_id(team.account_id, team.id),
        "account_id": team.account_id,
        "team_id": team.id,
        "name": team.name,
        "name_key": team.name.casefold(),
        "created_at": team.created_at.isoformat(),
        "updated_at": team.updated_at.isoformat(),
    }


def team_from_doc(doc: Document) -> Team:
    return Team(
        id=doc["team_id"],
        account_id=doc["account_id"],
        name=doc["name"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        version=doc["version"],
    )


class DirectoryRepository:
    def __init__(self, session: Session):
        self._session = session

    async def save_user(self, user: User) -> None:
        """Insert or replace at the version read; record its events. A taken email raises
        the store's UniqueViolationError (the handler checks first)."""
        await self._session.save(USERS, user, user_to_doc(user))

    async def user(self, account_id: str, user_id: str) -> User | None:
        doc = await self._session.get(USERS, scoped_id(account_id, user_id))
        return user_from_doc(doc) if doc else None

    async def user_by_email(self, account_id: str, email: str) -> User | None:
        query = Query((Eq("account_id", account_id), Eq("email", email)), limit=1)
        page = await self._session.find(USERS, query)
        return user_from_doc(page.items[0]) if page.items else None

    async def users_page(
        self, account_id: str, *, active: bool, limit: int, after: str | None
    ) -> tuple[list[User], str | None]:
        query = Query(
            (Eq("account_id", account_id), Eq("active", active)),
            (SortKey("user_id"),),
            limit=limit,
            after=after,
        )
        page = await self._session.find(USERS, query)
        return [user_from_doc(doc) for doc in page.items], page.next_after

    async def active_users(self, account_id: str) -> list[User]:
        users, _ = await self.users_page(
            account_id, active=True, limit=MAX_DIRECTORY_READ, after=None
        )
        return users

    async def save_team(self, team: Team) -> None:
        await self._session.save(TEAMS, team, team_to_doc(team))

    async def delete_team(self, team: Team) -> None:
        """Delete the team at the version read; record its events (its TeamDeleted)."""
        assert team.version is not None, "a team to delete was read from the store"
        await self._session.delete(
            TEAMS, scoped_id(team.account_id, team.id), expected_version=team.version
        )
        for event in team.events:
            await self._session.record(event)
        team.events.clear()

    async def hold_user(self, user: User) -> None:
        """Rewrite the user unchanged at the version read (no event). A grant or recipient
        that names the user does this, so that a deactivation committing concurrently
        conflicts (one of the two runs again and is refused) instead of leaving a pipeline
        that names a deactivated user."""
        stored = await self._session.put(USERS, user_to_doc(user), expected_version=user.version)
        user.version = stored["version"]

    async def hold_team(self, team: Team) -> None:
        """As `hold_user`, against a concurrent deletion of the team."""
        stored = await self._session.put(TEAMS, team_to_doc(team), expected_version=team.version)
        team.version = stored["version"]

    async def team(self, account_id: str, team_id: str) -> Team | None:
        doc = await self._session.get(TEAMS, scoped_id(account_id, team_id))
        return team_from_doc(doc) if doc else None

    async def teams(self, account_id: str) -> list[Team]:
        query = Query(
            (Eq("account_id", account_id),), (SortKey("name_key"),), limit=MAX_DIRECTORY_READ
        )
        page = await self._session.find(TEAMS, query)
        return [team_from_doc(doc) for doc in page.items]
