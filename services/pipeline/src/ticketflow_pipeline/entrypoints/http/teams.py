"""Teams: HubSpot's read API (`/settings/v3/users/teams`) and ticketflow's extension that
writes them (`/settings/v1/teams`, super admins only; HubSpot has no public team writes)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.domain.errors import TeamNotFound
from ticketflow_pipeline.entrypoints.http.callers import admin_context, context_of
from ticketflow_pipeline.entrypoints.http.directory_schemas import (
    TeamInput,
    TeamMembersInput,
    team_json,
)
from ticketflow_pipeline.handlers import teams

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_teams_router) at definition time.

TEAMS = "/settings/v1/teams"


def build_teams_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["teams"])
    Caller = Annotated[Principal, Depends(caller)]

    async def listed(principal: Principal) -> dict[str, Any]:
        directory = await teams.read_directory(uow, context_of(principal))
        return {"results": [team_json(t, directory.users) for t in directory.teams]}

    async def one(principal: Principal, team_id: str) -> dict[str, Any]:
        directory = await teams.read_directory(uow, context_of(principal))
        for team in directory.teams:
            if team.id == team_id:
                return team_json(team, directory.users)
        raise TeamNotFound(team_id)  # deleted since the change was answered

    @router.get("/settings/v3/users/teams")
    async def get_all_teams(principal: Caller) -> dict[str, Any]:
        """Every team of the account, with its primary and secondary members."""
        return await listed(principal)

    @router.get(TEAMS)
    async def list_teams(principal: Caller) -> dict[str, Any]:
        return await listed(principal)

    @router.post(TEAMS, status_code=status.HTTP_201_CREATED, responses=responses_for(400, 403, 409))
    async def create_team(body: TeamInput, principal: Caller) -> dict[str, Any]:
        """Names are unique per account in any case."""
        context = admin_context(principal)
        team = await teams.create_team(teams.CreateTeam(numeric_id(), body.name), uow, context)
        return await one(principal, team.id)

    @router.patch(f"{TEAMS}/{{team_id}}", responses=responses_for(400, 403, 404, 409))
    async def rename_team(team_id: str, body: TeamInput, principal: Caller) -> dict[str, Any]:
        context = admin_context(principal)
        await teams.rename_team(teams.RenameTeam(team_id, body.name), uow, context)
        return await one(principal, team_id)

    @router.put(f"{TEAMS}/{{team_id}}/members", responses=responses_for(400, 403, 404))
    async def set_members(
        team_id: str, body: TeamMembersInput, principal: Caller
    ) -> dict[str, Any]:
        """The members, exactly: `userIds` get this team as their primary team (one each),
        `secondaryUserIds` as a secondary one; users left out leave it."""
        context = admin_context(principal)
        command = teams.SetMembers(team_id, tuple(body.user_ids), tuple(body.secondary_user_ids))
        await teams.set_members(command, uow, context)
        return await one(principal, team_id)

    @router.delete(
        f"{TEAMS}/{{team_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(403, 404, 409),
    )
    async def delete_team(team_id: str, principal: Caller) -> Response:
        """Refused (409) while a pipeline names the team; its members lose it."""
        await teams.delete_team(team_id, uow, admin_context(principal))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
