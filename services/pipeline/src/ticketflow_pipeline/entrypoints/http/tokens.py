"""A user's API tokens (`/settings/v1/users/{userId}/tokens`): a super admin issues one (the
token is in the answer once, never again), lists them, revokes one. A platform operator may
issue one for any account's user (`ticketflow token create`)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, Role, TokenCodec, require_role
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import timestamp
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.domain.tokens import MAX_TOKEN_NAME_LENGTH, ApiToken
from ticketflow_pipeline.entrypoints.http.callers import admin_context
from ticketflow_pipeline.handlers import tokens as handlers

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_tokens_router) at definition time.

TOKENS = "/settings/v1/users/{user_id}/tokens"


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_TOKEN_NAME_LENGTH)


def _stamp(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment else None


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "userId": token.user_id,
        "createdAt": _stamp(token.created_at),
        "expiresAt": _stamp(token.expires_at),
        "revokedAt": _stamp(token.revoked_at),
        "lastUsedAt": _stamp(token.last_used_at),
    }


def build_tokens_router(
    uow: UnitOfWork, caller: Callable[..., Any], codec: TokenCodec
) -> APIRouter:
    router = APIRouter(tags=["tokens"])
    Caller = Annotated[Principal, Depends(caller)]

    def sign(principal: Principal, issued_at: datetime, expires_at: datetime) -> str:
        return codec.issue(principal, now=issued_at, ttl=expires_at - issued_at)

    async def issue(user_id: str, body: TokenRequest, context: MessageContext) -> dict[str, Any]:
        command = handlers.IssueToken(user_id, body.name, sign)
        issued = await handlers.issue_token(command, uow, context)
        return token_json(issued.token) | {"token": issued.secret}

    @router.post(
        TOKENS, status_code=status.HTTP_201_CREATED, responses=responses_for(400, 403, 404)
    )
    async def create_token(user_id: str, body: TokenRequest, principal: Caller) -> dict[str, Any]:
        """A new API token for an active user of the account; `token` is shown only here."""
        return await issue(user_id, body, admin_context(principal))

    @router.get(TOKENS, responses=responses_for(403, 404))
    async def get_tokens(user_id: str, principal: Caller) -> dict[str, Any]:
        """The user's tokens, newest first, revoked ones included (never the token itself)."""
        found = await handlers.list_tokens(user_id, uow, admin_context(principal))
        return {"results": [token_json(token) for token in found]}

    @router.delete(
        f"{TOKENS}/{{token_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(403, 404),
    )
    async def revoke_token(user_id: str, token_id: str, principal: Caller) -> Response:
        """Every service refuses the token within seconds (the revocation travels as an
        event); revoking it again changes nothing."""
        command = handlers.RevokeToken(user_id, token_id)
        await handlers.revoke_token(command, uow, admin_context(principal))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/admin/v1/accounts/{account_id}/users/{user_id}/tokens",
        status_code=status.HTTP_201_CREATED,
        responses=responses_for(400, 403, 404),
    )
    async def create_token_as_operator(
        account_id: str, user_id: str, body: TokenRequest, principal: Caller
    ) -> dict[str, Any]:
        """The same for a platform operator, who belongs to no account (`ticketflow token
        create`)."""
        require_role(principal, Role.OPERATOR)
        return await issue(user_id, body, MessageContext.for_request(account_id))

    return router
