"""Owners (HubSpot's CRM owners API): the account's users, active ones unless `archived`, with
their teams. An owner's id is its user's id (see docs/decisions.md)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.domain.errors import UserNotFound
from ticketflow_pipeline.domain.teams import Team
from ticketflow_pipeline.domain.users import User, normalized_email


@dataclass(frozen=True)
class OwnersPage:
    owners: list[User]
    teams: list[Team]
    next_after: str | None = None


async def list_owners(
    email: str | None,
    archived: bool,
    limit: int,
    after: str | None,
    uow: UnitOfWork,
    context: MessageContext,
) -> OwnersPage:
    async with uow.read(context) as session:
        repository = DirectoryRepository(session)
        teams = await repository.teams(context.account_id)
        if email is not None:
            user = await repository.user_by_email(context.account_id, normalized_email(email))
            found = [user] if user is not None and user.active != archived else []
            return OwnersPage(found, teams)
        owners, next_after = await repository.users_page(
            context.account_id, active=not archived, limit=limit, after=after
        )
        return OwnersPage(owners, teams, next_after)


async def get_owner(
    owner_id: str, archived: bool, uow: UnitOfWork, context: MessageContext
) -> OwnersPage:
    """By `id` or `userId` alike: the two are equal here."""
    async with uow.read(context) as session:
        repository = DirectoryRepository(session)
        user = await repository.user(context.account_id, owner_id)
        if user is None or user.active == archived:
            raise UserNotFound(owner_id)
        return OwnersPage([user], await repository.teams(context.account_id))
