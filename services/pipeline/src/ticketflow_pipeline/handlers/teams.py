"""The account's teams: read them with their members, create, rename, set members, delete.
Members are kept on the users, so a membership change also records each user's UserUpdated."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import GranteeKind
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain.directory_usage import require_unused
from ticketflow_pipeline.domain.errors import TeamNotFound
from ticketflow_pipeline.domain.teams import Team, membership_events, membership_with, new_team
from ticketflow_pipeline.domain.users import Membership, User


@dataclass(frozen=True)
class Directory:
    """The account's teams and active users, as read in one unit of work."""

    teams: list[Team]
    users: list[User]


@dataclass(frozen=True)
class CreateTeam:
    team_id: str
    name: str


@dataclass(frozen=True)
class RenameTeam:
    team_id: str
    name: str


@dataclass(frozen=True)
class SetMembers:
    team_id: str
    primary_user_ids: tuple[str, ...]
    secondary_user_ids: tuple[str, ...]


async def read_directory(uow: UnitOfWork, context: MessageContext) -> Directory:
    async with uow.read(context) as session:
        repository = DirectoryRepository(session)
        return Directory(
            await repository.teams(context.account_id),
            await repository.active_users(context.account_id),
        )


async def create_team(command: CreateTeam, uow: UnitOfWork, context: MessageContext) -> Team:
    return await uow.retrying(_create_team_once, command, uow, context)


async def _create_team_once(command: CreateTeam, uow: UnitOfWork, context: MessageContext) -> Team:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        taken = [t.name for t in await repository.teams(context.account_id)]
        team = new_team(context.account_id, command.team_id, command.name, taken, session.now)
        await repository.save_team(team)
    return team


async def rename_team(command: RenameTeam, uow: UnitOfWork, context: MessageContext) -> Team:
    return await uow.retrying(_rename_team_once, command, uow, context)


async def _rename_team_once(command: RenameTeam, uow: UnitOfWork, context: MessageContext) -> Team:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        teams = await repository.teams(context.account_id)
        team = _find(teams, command.team_id)
        taken = [t.name for t in teams if t.id != team.id]
        users = await repository.active_users(context.account_id)
        team.rename(command.name, taken, users, session.now)
        await repository.save_team(team)
    return team


async def set_members(command: SetMembers, uow: UnitOfWork, context: MessageContext) -> Team:
    return await uow.retrying(_set_members_once, command, uow, context)


async def _set_members_once(command: SetMembers, uow: UnitOfWork, context: MessageContext) -> Team:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        teams = await repository.teams(context.account_id)
        team = _find(teams, command.team_id)
        before = await repository.active_users(context.account_id)
        changed = membership_with(
            team.id, before, command.primary_user_ids, command.secondary_user_ids
        )
        await _apply(session, teams, before, changed)
    return team


async def delete_team(team_id: str, uow: UnitOfWork, context: MessageContext) -> None:
    await uow.retrying(_delete_team_once, team_id, uow, context)


async def _delete_team_once(team_id: str, uow: UnitOfWork, context: MessageContext) -> None:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        teams = await repository.teams(context.account_id)
        team = _find(teams, team_id)
        pipelines = await PipelineRepository(session).all(context.account_id)
        require_unused(pipelines, GranteeKind.TEAM, team.id)
        before = await repository.active_users(context.account_id)
        team.delete(before)
        await repository.delete_team(team)
        changed = {
            u.id: u.membership.without(team.id) for u in before if team.id in u.membership.team_ids
        }
        await _apply(session, [t for t in teams if t.id != team.id], before, changed)


async def _apply(
    session: Session, teams: list[Team], before: list[User], changed: dict[str, Membership]
) -> None:
    """Save each user whose membership changes, then record the teams whose members did."""
    repository = DirectoryRepository(session)
    known = [t.id for t in teams]
    after = []
    for user in before:
        membership = changed.get(user.id)
        if membership is None:
            after.append(user)
            continue
        changing = replace(user, events=[])  # `before` stays as it was, for the comparison
        changing.change(user.role_id, membership, known, session.now)
        await repository.save_user(changing)
        after.append(changing)
    for event in membership_events(teams, before, after):
        await session.record(event)


def _find(teams: list[Team], team_id: str) -> Team:
    for team in teams:
        if team.id == team_id:
            return team
    raise TeamNotFound(team_id)
