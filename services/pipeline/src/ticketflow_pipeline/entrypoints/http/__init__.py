"""HTTP routes of the pipeline service: HubSpot's pipelines and properties APIs, the pipeline
settings pages' extensions, accounts, and the directory (users, roles, teams, owners)."""

from fastapi import APIRouter

from ticketflow_chassis.auth import TokenCodec, bearer_principal
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http.accounts import build_accounts_router
from ticketflow_pipeline.entrypoints.http.channels import build_channels_router
from ticketflow_pipeline.entrypoints.http.owners import build_owners_router
from ticketflow_pipeline.entrypoints.http.pipeline_settings import build_pipeline_settings_router
from ticketflow_pipeline.entrypoints.http.pipelines import build_pipelines_router
from ticketflow_pipeline.entrypoints.http.properties import build_properties_router
from ticketflow_pipeline.entrypoints.http.teams import build_teams_router
from ticketflow_pipeline.entrypoints.http.tokens import build_tokens_router
from ticketflow_pipeline.entrypoints.http.users import build_users_router


def build_api_router(
    uow: UnitOfWork, tokens: TokenCodec, policy: TierPolicy, retirement_wait_seconds: float
) -> APIRouter:
    caller = bearer_principal(tokens)
    router = APIRouter()
    router.include_router(build_accounts_router(uow, caller, tokens))
    router.include_router(build_pipelines_router(uow, caller, policy, retirement_wait_seconds))
    router.include_router(build_pipeline_settings_router(uow, caller))
    router.include_router(build_properties_router(uow, caller))
    router.include_router(build_channels_router(uow, caller))
    # Teams first: `/settings/v3/users/teams` is not a user id.
    router.include_router(build_teams_router(uow, caller))
    router.include_router(build_users_router(uow, caller))
    router.include_router(build_owners_router(uow, caller))
    router.include_router(build_tokens_router(uow, caller, tokens))
    return router
