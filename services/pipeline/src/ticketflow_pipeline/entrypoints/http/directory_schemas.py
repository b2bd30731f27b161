"""HubSpot's shapes of the directory: settings users, roles and teams, CRM owners, and the
request bodies that change them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field

from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_pipeline.domain.roles import Role
from ticketflow_pipeline.domain.teams import Team, members_of
from ticketflow_pipeline.domain.users import User

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Id = Annotated[str, Field(min_length=1, max_length=64)]
Ids = Annotated[list[Id], Field(max_length=1000)]
Name = Annotated[str, Field(max_length=1000)]


def paging(next_after: str | None) -> dict[str, Any]:
    return {"paging": {"next": {"after": next_after}}} if next_after else {}


class UserProvisionRequest(CamelInput):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    first_name: Name | None = None
    last_name: Name | None = None
    role_id: Id | None = None
    primary_team_id: Id | None = None
    secondary_team_ids: Ids = Field(default_factory=list)
    # Accepted as HubSpot's; ticketflow sends no welcome emails (sign-in is by token).
    send_welcome_email: bool = False


class PublicUserUpdate(CamelInput):
    """A field left out keeps its value; `primaryTeamId: null` takes the user off it."""

    role_id: Id | None = None
    primary_team_id: Id | None = None
    secondary_team_ids: Ids = Field(default_factory=list)


class TeamInput(CamelInput):
    name: Name


class TeamMembersInput(CamelInput):
    """The team's members, exactly: primary members (`userIds`, this becomes their primary
    team) and secondary ones; users left out leave the team."""

    user_ids: Ids = Field(default_factory=list)
    secondary_user_ids: Ids = Field(default_factory=list)


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "roleId": user.role_id,
        "roleIds": [user.role_id],
        "primaryTeamId": user.membership.primary_team_id,
        "secondaryTeamIds": list(user.membership.secondary_team_ids),
        "superAdmin": user.is_super_admin,
    }


def role_json(role: Role) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "requiresBillingWrite": False}


def team_json(team: Team, users: Sequence[User]) -> dict[str, Any]:
    members = members_of(team.id, users)
    return {
        "id": team.id,
        "name": team.name,
        "userIds": [m.user_id for m in members if m.primary],
        "secondaryUserIds": [m.user_id for m in members if not m.primary],
    }


def owner_json(user: User, teams: Sequence[Team]) -> dict[str, Any]:
    """An owner is a user (`id` = the user's id, see docs/decisions.md); `userId` is an
    integer in HubSpot's schema, and absent once the user is deactivated."""
    names = {t.id: t.name for t in teams}
    primary = user.membership.primary_team_id
    return {
        "id": user.id,
        "email": user.email,
        "firstName": user.first_name or "",
        "lastName": user.last_name or "",
        "type": "PERSON",
        "userId": int(user.id) if user.active and user.id.isdigit() else None,
        "userIdIncludingInactive": int(user.id) if user.id.isdigit() else None,
        "createdAt": user.created_at.isoformat(),
        "updatedAt": user.updated_at.isoformat(),
        "archived": not user.active,
        "teams": [
            {"id": t, "name": names[t], "primary": t == primary}
            for t in user.membership.team_ids
            if t in names
        ],
    }
