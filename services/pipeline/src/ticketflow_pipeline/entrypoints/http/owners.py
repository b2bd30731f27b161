"""HubSpot's CRM owners API (`/crm/v3/owners/`), read-only: owners are the account's users."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.entrypoints.http.callers import context_of
from ticketflow_pipeline.entrypoints.http.directory_schemas import owner_json, paging
from ticketflow_pipeline.handlers import owners

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_owners_router) at definition time.

OWNERS = "/crm/v3/owners"
MAX_PAGE = 500


class OwnerIdProperty(StrEnum):
    ID = "id"
    USER_ID = "userId"


def build_owners_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["owners"])
    Caller = Annotated[Principal, Depends(caller)]
    Archived = Annotated[bool, Query(description="deactivated users instead of active ones")]

    @router.get(f"{OWNERS}/", responses=responses_for(400))
    @router.get(OWNERS, include_in_schema=False)
    async def get_owners(
        principal: Caller,
        email: Annotated[str | None, Query(max_length=320)] = None,
        after: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        archived: Archived = False,
    ) -> dict[str, Any]:
        page = await owners.list_owners(email, archived, limit, after, uow, context_of(principal))
        results = [owner_json(u, page.teams) for u in page.owners]
        return {"results": results} | paging(page.next_after)

    @router.get(f"{OWNERS}/{{owner_id}}", responses=responses_for(400, 404))
    async def get_owner(
        owner_id: str,
        principal: Caller,
        id_property: Annotated[OwnerIdProperty, Query(alias="idProperty")] = OwnerIdProperty.ID,
        archived: Archived = False,
    ) -> dict[str, Any]:
        """`idProperty` `id` or `userId`: an owner's id is its user's id, so both find it."""
        page = await owners.get_owner(owner_id, archived, uow, context_of(principal))
        return owner_json(page.owners[0], page.teams)

    return router
