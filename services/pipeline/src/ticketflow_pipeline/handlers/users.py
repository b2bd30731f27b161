"""The account's users (HubSpot's settings users API): read, create, change role and teams,
deactivate. Team membership changes also record a TeamUpdated for each team they touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import GranteeKind
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import users as users_domain
from ticketflow_pipeline.domain.directory_usage import require_unused
from ticketflow_pipeline.domain.errors import DirectoryEntryExists, UserNotFound
from ticketflow_pipeline.domain.teams import membership_events
from ticketflow_pipeline.domain.users import Membership, User


class UserIdProperty(StrEnum):
    """HubSpot's `idProperty`: the path names a user by id (default) or by email."""

    USER_ID = "USER_ID"
    EMAIL = "EMAIL"


@dataclass(frozen=True)
class UserRef:
    value: str
    id_property: UserIdProperty = UserIdProperty.USER_ID


@dataclass(frozen=True)
class CreateUser:
    user_id: str
    email: str
    role_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    primary_team_id: str | None = None
    secondary_team_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplaceUser:
    """HubSpot's PUT; a field left out (not in `given`) keeps its value."""

    ref: UserRef
    role_id: str | None = None
    primary_team_id: str | None = None
    secondary_team_ids: tuple[str, ...] = ()
    given: frozenset[str] = field(default_factory=frozenset)


async def find_user(session: Session, account_id: str, ref: UserRef) -> User:
    """An active user of the account; a deactivated one or another account's does not exist."""
    repository = DirectoryRepository(session)
    if ref.id_property is UserIdProperty.EMAIL:
        user = await repository.user_by_email(account_id, users_domain.normalized_email(ref.value))
    else:
        user = await repository.user(account_id, ref.value)
    if user is None or not user.active:
        raise UserNotFound(ref.value)
    return user


async def get_user(ref: UserRef, uow: UnitOfWork, context: MessageContext) -> User:
    async with uow.read(context) as session:
        return await find_user(session, context.account_id, ref)


async def list_users(
    limit: int, after: str | None, uow: UnitOfWork, context: MessageContext
) -> tuple[list[User], str | None]:
    async with uow.read(context) as session:
        return await DirectoryRepository(session).users_page(
            context.account_id, active=True, limit=limit, after=after
        )


async def create_user(command: CreateUser, uow: UnitOfWork, context: MessageContext) -> User:
    return await uow.retrying(_create_user_once, command, uow, context)


async def _create_user_once(command: CreateUser, uow: UnitOfWork, context: MessageContext) -> User:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        email = users_domain.normalized_email(command.email)
        if await repository.user_by_email(context.account_id, email) is not None:
            raise DirectoryEntryExists(f"a user with email {email!r} exists already", "email")
        teams = await repository.teams(context.account_id)
        user = users_domain.new_user(
            context.account_id,
            command.user_id,
            command.email,
            session.now,
            role_id=command.role_id,
            first_name=command.first_name,
            last_name=command.last_name,
            membership=Membership(command.primary_team_id, command.secondary_team_ids),
            known_team_ids=[t.id for t in teams],
        )
        before = await repository.active_users(context.account_id)
        await repository.save_user(user)
        for event in membership_events(teams, before, [*before, user]):
            await session.record(event)
    return user


async def replace_user(command: ReplaceUser, uow: UnitOfWork, context: MessageContext) -> User:
    return await uow.retrying(_replace_user_once, command, uow, context)


async def _replace_user_once(
    command: ReplaceUser, uow: UnitOfWork, context: MessageContext
) -> User:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        user = await find_user(session, context.account_id, command.ref)
        given = command.given
        role_id = command.role_id if "role_id" in given and command.role_id else user.role_id
        membership = Membership(
            command.primary_team_id
            if "primary_team_id" in given
            else user.membership.primary_team_id,
            command.secondary_team_ids
            if "secondary_team_ids" in given
            else user.membership.secondary_team_ids,
        )
        before = await repository.active_users(context.account_id)
        if role_id != user.role_id:
            users_domain.require_other_super_admin(user, _super_admins(before))
        teams = await repository.teams(context.account_id)
        user.change(role_id, membership, [t.id for t in teams], session.now)
        await repository.save_user(user)
        after = [user if u.id == user.id else u for u in before]
        for event in membership_events(teams, before, after):
            await session.record(event)
    return user


async def deactivate_user(ref: UserRef, uow: UnitOfWork, context: MessageContext) -> None:
    await uow.retrying(_deactivate_user_once, ref, uow, context)


async def _deactivate_user_once(ref: UserRef, uow: UnitOfWork, context: MessageContext) -> None:
    async with uow.begin(context) as session:
        repository = DirectoryRepository(session)
        user = await find_user(session, context.account_id, ref)
        before = await repository.active_users(context.account_id)
        users_domain.require_other_super_admin(user, _super_admins(before))
        pipelines = await PipelineRepository(session).all(context.account_id)
        require_unused(pipelines, GranteeKind.USER, user.id)
        user.deactivate(session.now)
        await repository.save_user(user)
        after = [u for u in before if u.id != user.id]
        for event in membership_events(await repository.teams(context.account_id), before, after):
            await session.record(event)


def _super_admins(users: list[User]) -> int:
    return sum(1 for u in users if u.is_super_admin and u.active)
