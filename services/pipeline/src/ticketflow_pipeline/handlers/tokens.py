"""A user's API tokens: issue (signed here, shown once), list, revoke. Super admins only (the
routes check); the user must be an active user of the account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ticketflow_chassis.auth import Principal, Role
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TokenUsed
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.adapters.token_repository import TokenRepository
from ticketflow_pipeline.domain.errors import TokenNotFound, UserNotFound
from ticketflow_pipeline.domain.tokens import ApiToken, token_roles

# Signs a principal's token issued at the first moment, valid until the second (the chassis'
# TokenCodec).
Sign = Callable[[Principal, datetime, datetime], str]


@dataclass(frozen=True)
class IssueToken:
    user_id: str
    name: str
    sign: Sign


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


async def issue_token(command: IssueToken, uow: UnitOfWork, context: MessageContext) -> IssuedToken:
    return await uow.retrying(_issue_once, command, uow, context)


async def _issue_once(command: IssueToken, uow: UnitOfWork, context: MessageContext) -> IssuedToken:
    async with uow.begin(context) as session:
        user = await DirectoryRepository(session).user(context.account_id, command.user_id)
        token = ApiToken.issue(str(uuid.uuid4()), user, command.user_id, command.name, session.now)
        await TokenRepository(session).save(token)
    assert user is not None  # ApiToken.issue refused a missing one
    principal = Principal(
        account_id=token.account_id,
        user_id=token.user_id,
        roles=frozenset(Role(r) for r in token_roles(user)),
        teams=frozenset(user.membership.team_ids),
        token_id=token.id,
    )
    return IssuedToken(token, command.sign(principal, token.created_at, token.expires_at))


async def list_tokens(user_id: str, uow: UnitOfWork, context: MessageContext) -> list[ApiToken]:
    async with uow.read(context) as session:
        if await DirectoryRepository(session).user(context.account_id, user_id) is None:
            raise UserNotFound(user_id)
        return await TokenRepository(session).of_user(context.account_id, user_id)


@dataclass(frozen=True)
class RevokeToken:
    user_id: str
    token_id: str


async def revoke_token(command: RevokeToken, uow: UnitOfWork, context: MessageContext) -> None:
    """Revoking a revoked token again changes nothing (204 all the same)."""
    await uow.retrying(_revoke_once, command, uow, context)


async def _revoke_once(command: RevokeToken, uow: UnitOfWork, context: MessageContext) -> None:
    async with uow.begin(context) as session:
        tokens = TokenRepository(session)
        token = await tokens.get(context.account_id, command.token_id)
        if token is None or token.user_id != command.user_id:
            raise TokenNotFound(command.token_id)
        if token.revoke(session.now):
            await tokens.save(token)


async def record_token_use(event: TokenUsed, uow: UnitOfWork, context: MessageContext) -> None:
    """The token's latest use; a report of an unknown token (another account's id, say) or an
    older one changes nothing."""
    await uow.retrying(_record_use_once, event, uow, context)


async def _record_use_once(event: TokenUsed, uow: UnitOfWork, context: MessageContext) -> None:
    async with uow.begin(context) as session:
        tokens = TokenRepository(session)
        token = await tokens.get(context.account_id, event.token_id)
        if token is not None and token.used(event.last_used_at):
            await tokens.save(token)
