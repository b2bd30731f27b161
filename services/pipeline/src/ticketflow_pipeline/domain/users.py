"""User aggregate: an account's user with one role, a primary team and secondary teams.
Deactivation keeps the user for history; only active users are listed and are owners."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ticketflow_contracts import Event, UserCreated, UserDeactivated, UserRecord, UserUpdated
from ticketflow_pipeline.domain.errors import DirectoryEntryInUse, InvalidDirectoryEntry
from ticketflow_pipeline.domain.roles import ROLES_BY_ID, SUPER_ADMIN_ROLE, USER_ROLE

MAX_NAME_LENGTH = 100
MAX_SECONDARY_TEAMS = 100


@dataclass(frozen=True)
class Membership:
    """Which teams a user belongs to: at most one primary team plus secondary teams."""

    primary_team_id: str | None = None
    secondary_team_ids: tuple[str, ...] = ()

    @property
    def team_ids(self) -> tuple[str, ...]:
        head = (self.primary_team_id,) if self.primary_team_id else ()
        return head + self.secondary_team_ids

    def without(self, team_id: str) -> Membership:
        primary = None if self.primary_team_id == team_id else self.primary_team_id
        return Membership(primary, tuple(t for t in self.secondary_team_ids if t != team_id))


@dataclass
class User:
    id: str
    account_id: str
    email: str
    role_id: str
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    membership: Membership = Membership()
    active: bool = True
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @property
    def is_super_admin(self) -> bool:
        return self.role_id == SUPER_ADMIN_ROLE.id

    def record(self) -> UserRecord:
        return UserRecord(
            id=self.id,
            email=self.email,
            first_name=self.first_name,
            last_name=self.last_name,
            role_id=self.role_id,
            primary_team_id=self.membership.primary_team_id,
            secondary_team_ids=list(self.membership.secondary_team_ids),
            active=self.active,
        )

    def change(
        self, role_id: str, membership: Membership, known_team_ids: Iterable[str], now: datetime
    ) -> None:
        """HubSpot's PUT: the role and the teams (each already merged with what is kept)."""
        _require_role(role_id)
        _require_membership(membership, set(known_team_ids))
        if (role_id, membership) == (self.role_id, self.membership):
            return
        self.role_id, self.membership, self.updated_at = role_id, membership, now
        self.events.append(UserUpdated(user=self.record()))

    def deactivate(self, now: datetime) -> None:
        if not self.active:
            return
        self.active, self.updated_at = False, now
        self.events.append(UserDeactivated(user=self.record()))


def new_user(
    account_id: str,
    user_id: str,
    email: str,
    now: datetime,
    *,
    role_id: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    membership: Membership = Membership(),
    known_team_ids: Iterable[str] = (),
) -> User:
    """A new active user; `role_id` defaults to a plain user's (HubSpot: no role, no seat)."""
    role = USER_ROLE.id if role_id is None else role_id
    _require_role(role)
    _require_membership(membership, set(known_team_ids))
    user = User(
        user_id,
        account_id,
        normalized_email(email),
        role,
        now,
        now,
        _name(first_name, "firstName"),
        _name(last_name, "lastName"),
        membership,
    )
    user.events.append(UserCreated(user=user.record()))
    return user


def normalized_email(email: str) -> str:
    """Emails are unique per account in any case: stored and compared in lower case."""
    return email.strip().lower()


def require_other_super_admin(user: User, active_super_admins: int) -> None:
    """An account keeps at least one active super admin (who else could manage its users?)."""
    if user.is_super_admin and user.active and active_super_admins <= 1:
        raise DirectoryEntryInUse(
            f"user {user.id!r} is the account's last super admin; make another user one first"
        )


def demoted(user: User, role_id: str) -> User:
    """The user as it would be with `role_id` (to check the last-super-admin rule first)."""
    return replace(user, role_id=role_id, events=[])


def _require_role(role_id: str) -> None:
    if role_id not in ROLES_BY_ID:
        known = ", ".join(sorted(ROLES_BY_ID))
        raise InvalidDirectoryEntry(f"role {role_id!r} does not exist (roles: {known})", "roleId")


def _require_membership(membership: Membership, known: set[str]) -> None:
    primary, secondary = membership.primary_team_id, membership.secondary_team_ids
    if primary is not None and primary not in known:
        raise InvalidDirectoryEntry(f"team {primary!r} does not exist", "primaryTeamId")
    for team_id in secondary:
        if team_id not in known:
            raise InvalidDirectoryEntry(f"team {team_id!r} does not exist", "secondaryTeamIds")
    if len(set(secondary)) != len(secondary):
        raise InvalidDirectoryEntry("secondaryTeamIds lists a team twice", "secondaryTeamIds")
    if primary is not None and primary in secondary:
        raise InvalidDirectoryEntry(
            f"team {primary!r} is the primary team; it cannot also be a secondary one",
            "secondaryTeamIds",
        )
    if len(secondary) > MAX_SECONDARY_TEAMS:
        raise InvalidDirectoryEntry(
            f"a user may have at most {MAX_SECONDARY_TEAMS} secondary teams", "secondaryTeamIds"
        )


def _name(value: str | None, name: str) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidDirectoryEntry(f"{name} is longer than {MAX_NAME_LENGTH} characters", name)
    return cleaned or None
