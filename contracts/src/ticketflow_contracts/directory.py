"""Directory events, published by the pipeline service: the account's users and teams, each
event with the whole record so that a replica (ticket owners, notifier recipients) just keeps
the newest."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class UserRecord(_Part):
    """A user as the directory knows it; `active` is False once deactivated (kept for history)."""

    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    role_id: str
    primary_team_id: str | None = None
    secondary_team_ids: list[str] = Field(default_factory=list)
    active: bool = True


class TeamMember(_Part):
    user_id: str
    primary: bool


class TeamRecord(_Part):
    id: str
    name: str
    members: list[TeamMember] = Field(default_factory=list)


class _UserEvent(Event):
    prefix = "user"

    user: UserRecord

    def aggregate_id(self) -> str | None:
        return self.user.id


class UserCreated(_UserEvent):
    pass


class UserUpdated(_UserEvent):
    pass


class UserDeactivated(_UserEvent):
    pass


class _TeamEvent(Event):
    prefix = "team"

    team: TeamRecord

    def aggregate_id(self) -> str | None:
        return self.team.id


class TeamCreated(_TeamEvent):
    pass


class TeamUpdated(_TeamEvent):
    pass


class TeamDeleted(_TeamEvent):
    pass
