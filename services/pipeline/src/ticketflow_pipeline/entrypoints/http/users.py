"""HubSpot's settings users API (`/settings/v3/users/`) and its roles: any user of the account
reads; only a super admin creates, changes and deactivates (DELETE) users."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.domain.roles import ROLES
from ticketflow_pipeline.entrypoints.http.callers import admin_context, context_of
from ticketflow_pipeline.entrypoints.http.directory_schemas import (
    PublicUserUpdate,
    UserProvisionRequest,
    paging,
    role_json,
    user_json,
)
from ticketflow_pipeline.handlers import users
from ticketflow_pipeline.handlers.users import UserIdProperty, UserRef

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_users_router) at definition time.

USERS = "/settings/v3/users"
MAX_PAGE = 100


def build_users_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["users"])
    Caller = Annotated[Principal, Depends(caller)]
    IdProperty = Annotated[UserIdProperty, Query(alias="idProperty")]

    @router.get(f"{USERS}/roles")
    async def get_roles(principal: Caller) -> dict[str, Any]:
        """The product's fixed roles (HubSpot's permission sets), with stable ids."""
        return {"results": [role_json(role) for role in ROLES]}

    @router.get(f"{USERS}/", responses=responses_for(400))
    @router.get(USERS, include_in_schema=False)
    async def get_users(
        principal: Caller,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any]:
        """The account's active users, a page at a time."""
        found, next_after = await users.list_users(limit, after, uow, context_of(principal))
        return {"results": [user_json(u) for u in found]} | paging(next_after)

    @router.post(
        f"{USERS}/", status_code=status.HTTP_201_CREATED, responses=responses_for(400, 403, 409)
    )
    @router.post(USERS, status_code=status.HTTP_201_CREATED, include_in_schema=False)
    async def create_user(body: UserProvisionRequest, principal: Caller) -> dict[str, Any]:
        context = admin_context(principal)
        command = users.CreateUser(
            user_id=numeric_id(),
            email=body.email,
            role_id=body.role_id,
            first_name=body.first_name,
            last_name=body.last_name,
            primary_team_id=body.primary_team_id,
            secondary_team_ids=tuple(body.secondary_team_ids),
        )
        return user_json(await users.create_user(command, uow, context))

    @router.get(f"{USERS}/{{user_id}}", responses=responses_for(404))
    async def get_user(
        user_id: str, principal: Caller, id_property: IdProperty = UserIdProperty.USER_ID
    ) -> dict[str, Any]:
        ref = UserRef(user_id, id_property)
        return user_json(await users.get_user(ref, uow, context_of(principal)))

    @router.put(f"{USERS}/{{user_id}}", responses=responses_for(400, 403, 404, 409))
    async def replace_user(
        user_id: str,
        body: PublicUserUpdate,
        principal: Caller,
        id_property: IdProperty = UserIdProperty.USER_ID,
    ) -> dict[str, Any]:
        """Change the role and teams; a field left out keeps its value."""
        context = admin_context(principal)
        given = {name for name in body.model_fields_set}
        command = users.ReplaceUser(
            ref=UserRef(user_id, id_property),
            role_id=body.role_id,
            primary_team_id=body.primary_team_id,
            secondary_team_ids=tuple(body.secondary_team_ids),
            given=frozenset(given),
        )
        return user_json(await users.replace_user(command, uow, context))

    @router.delete(
        f"{USERS}/{{user_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(403, 404, 409),
    )
    async def archive_user(
        user_id: str, principal: Caller, id_property: IdProperty = UserIdProperty.USER_ID
    ) -> Response:
        """Deactivate the user: kept for history (their tickets, timelines), no longer listed
        nor an owner. Refused (409) while a pipeline names them or for the last super admin."""
        context = admin_context(principal)
        await users.deactivate_user(UserRef(user_id, id_property), uow, context)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
