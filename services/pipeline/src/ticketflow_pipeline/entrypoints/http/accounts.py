"""The platform operator's account API: open an account with its admin and default pipeline."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, Role, TokenCodec, require_role
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, UnitOfWork, utc_now
from ticketflow_contracts import Tier
from ticketflow_pipeline.handlers import accounts

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_accounts_router) at definition time.

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AccountRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tier: Tier
    admin_email: str = Field(pattern=EMAIL_PATTERN, max_length=320)


def build_accounts_router(
    uow: UnitOfWork, caller: Callable[..., Any], tokens: TokenCodec
) -> APIRouter:
    router = APIRouter(tags=["accounts"])
    Caller = Annotated[Principal, Depends(caller)]

    @router.post(
        "/admin/v1/accounts", status_code=status.HTTP_201_CREATED, responses=responses_for(403, 409)
    )
    async def create_account(body: AccountRequest, principal: Caller) -> dict[str, Any]:
        """Open an account with its super admin and default pipeline (platform operators only)."""
        require_role(principal, Role.OPERATOR)
        command = accounts.OpenAccount(
            account_id=str(uuid.uuid4()),
            name=body.name,
            tier=body.tier,
            admin_user_id=numeric_id(),
            admin_email=body.admin_email,
        )
        context = MessageContext.for_request(command.account_id)
        opened = await accounts.create_account(command, uow, context)
        admin = Principal(
            account_id=opened.account.id,
            user_id=opened.admin.id,
            roles=frozenset({Role.SUPER_ADMIN}),
            teams=frozenset(),
        )
        return {
            "account_id": opened.account.id,
            "name": opened.account.name,
            "tier": opened.account.tier.value,
            "admin_user_id": opened.admin.id,
            "admin_email": opened.admin.email,
            "default_pipeline_id": opened.pipeline.id,
            "token": tokens.issue(admin, now=utc_now()),
        }

    return router
