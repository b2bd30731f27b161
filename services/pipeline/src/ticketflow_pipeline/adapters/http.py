"""HTTP routes: HubSpot's CRM v3 pipelines API for tickets, and the operator's account API."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, Role, TokenCodec, bearer_principal, require_role
from ticketflow_chassis.uow import MessageContext, UnitOfWork, utc_now
from ticketflow_contracts import Tier
from ticketflow_pipeline.domain.model import Pipeline, Status
from ticketflow_pipeline.handlers import accounts, pipelines

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AccountRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tier: Tier
    admin_email: str = Field(pattern=EMAIL_PATTERN, max_length=320)


def _timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def stage_json(stage: Status) -> dict[str, Any]:
    return {
        "id": stage.id,
        "label": stage.label,
        "displayOrder": stage.display_order,
        "metadata": {"ticketState": stage.ticket_state.value},
        "createdAt": _timestamp(stage.created_at),
        "updatedAt": _timestamp(stage.updated_at),
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.id,
        "label": pipeline.label,
        "displayOrder": pipeline.display_order,
        "createdAt": _timestamp(pipeline.created_at),
        "updatedAt": _timestamp(pipeline.updated_at),
        "archived": pipeline.archived,
        "stages": [stage_json(s) for s in sorted(pipeline.statuses, key=lambda s: s.display_order)],
    }


def build_api_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter()
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.post("/admin/v1/accounts", status_code=status.HTTP_201_CREATED, tags=["accounts"])
    async def create_account(body: AccountRequest, caller: Caller) -> dict[str, Any]:
        """Open an account with its super admin and default pipeline (platform operators only)."""
        require_role(caller, Role.OPERATOR)
        command = accounts.OpenAccount(
            account_id=str(uuid.uuid4()),
            name=body.name,
            tier=body.tier,
            admin_user_id=str(uuid.uuid4()),
            admin_email=body.admin_email,
        )
        opened = await accounts.create_account(uow, command)
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

    @router.get("/crm/v3/pipelines/tickets", tags=["pipelines"])
    async def get_all(caller: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        found = await pipelines.list_pipelines(uow, context)
        return {"results": [pipeline_json(p) for p in found if not p.archived]}

    @router.get("/crm/v3/pipelines/tickets/{pipeline_id}", tags=["pipelines"])
    async def get_by_id(pipeline_id: str, caller: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        return pipeline_json(await pipelines.get_pipeline(uow, context, pipeline_id))

    return router
