"""Team aggregate: a named group of the account's users. Membership lives on the users (one
primary team each, plus secondary teams); a team's members are read off the active users."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import (
    Event,
    TeamCreated,
    TeamDeleted,
    TeamMember,
    TeamRecord,
    TeamUpdated,
    forbidden_control_characters,
)
from ticketflow_pipeline.domain.errors import DirectoryEntryExists, InvalidDirectoryEntry
from ticketflow_pipeline.domain.users import Membership, User

MAX_TEAM_NAME_LENGTH = 100


@dataclass
class Team:
    id: str
    account_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    def record(self, users: Iterable[User]) -> TeamRecord:
        return TeamRecord(id=self.id, name=self.name, members=members_of(self.id, users))

    def rename(self, name: str, taken: Iterable[str], users: Sequence[User], now: datetime) -> None:
        """`taken`: the names of the account's other teams."""
        cleaned = _team_name(name, taken)
        if cleaned == self.name:
            return
        self.name, self.updated_at = cleaned, now
        self.events.append(TeamUpdated(team=self.record(users)))

    def delete(self, users: Sequence[User]) -> None:
        """Record the deletion with the members it had (the handler then takes it off them)."""
        self.events.append(TeamDeleted(team=self.record(users)))


def new_team(account_id: str, team_id: str, name: str, taken: Iterable[str], now: datetime) -> Team:
    team = Team(team_id, account_id, _team_name(name, taken), now, now)
    team.events.append(TeamCreated(team=team.record(())))
    return team


def members_of(team_id: str, users: Iterable[User]) -> list[TeamMember]:
    """The team's active members, primary ones first, each in id order."""
    members = [
        TeamMember(user_id=u.id, primary=u.membership.primary_team_id == team_id)
        for u in users
        if u.active and team_id in u.membership.team_ids
    ]
    return sorted(members, key=lambda m: (not m.primary, m.user_id))


def membership_with(
    team_id: str, users: Sequence[User], primary_ids: Sequence[str], secondary_ids: Sequence[str]
) -> dict[str, Membership]:
    """The new memberships of the users whose teams change when the team's members become
    exactly `primary_ids` (their primary team, replacing any other) and `secondary_ids`."""
    active = {u.id: u for u in users if u.active}
    _require_members(primary_ids, secondary_ids, active.keys())
    changed: dict[str, Membership] = {}
    for user in active.values():
        current = user.membership.without(team_id)
        if user.id in primary_ids:
            wanted = Membership(team_id, current.secondary_team_ids)
        elif user.id in secondary_ids:
            wanted = Membership(current.primary_team_id, (*current.secondary_team_ids, team_id))
        else:
            wanted = current
        if wanted != user.membership:
            changed[user.id] = wanted
    return changed


def membership_events(
    teams: Iterable[Team], before: Sequence[User], after: Sequence[User]
) -> list[TeamUpdated]:
    """A TeamUpdated for each team whose members changed between `before` and `after`."""
    return [
        TeamUpdated(team=team.record(after))
        for team in teams
        if members_of(team.id, before) != members_of(team.id, after)
    ]


def _require_members(
    primary_ids: Sequence[str], secondary_ids: Sequence[str], known: Iterable[str]
) -> None:
    known_ids = set(known)
    for name, ids in (("userIds", primary_ids), ("secondaryUserIds", secondary_ids)):
        for user_id in ids:
            if user_id not in known_ids:
                raise InvalidDirectoryEntry(f"user {user_id!r} does not exist", name)
        if len(set(ids)) != len(ids):
            raise InvalidDirectoryEntry(f"{name} lists a user twice", name)
    both = sorted(set(primary_ids) & set(secondary_ids))
    if both:
        raise InvalidDirectoryEntry(
            f"user {both[0]!r} is listed both as a primary and as a secondary member",
            "secondaryUserIds",
        )


def _team_name(name: str, taken: Iterable[str]) -> str:
    forbidden = forbidden_control_characters(name)
    if forbidden:
        raise InvalidDirectoryEntry(
            f"a team name must not hold control characters ({', '.join(forbidden)})", "name"
        )
    cleaned = name.strip()
    if not cleaned:
        raise InvalidDirectoryEntry("a team needs a name that is not blank", "name")
    if len(cleaned) > MAX_TEAM_NAME_LENGTH:
        raise InvalidDirectoryEntry(
            f"a team name is longer than {MAX_TEAM_NAME_LENGTH} characters", "name"
        )
    if cleaned.casefold() in {t.casefold() for t in taken}:
        raise DirectoryEntryExists(f"a team named {cleaned!r} exists already", "name")
    return cleaned
