"""HubSpot's CRM v3 pipelines API for tickets (`/crm/v3/pipelines/tickets...`), plus the
settings page's reorder endpoints (`/settings/v1/ticket-pipelines/...`)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from ticketflow_chassis.auth import Principal, Role, require_role
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TicketState
from ticketflow_pipeline.domain.errors import InvalidPipeline
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http.pipeline_settings import requester_of
from ticketflow_pipeline.entrypoints.http.schemas import (
    PipelineInput,
    PipelineOrder,
    PipelinePatch,
    StageInput,
    StagePatch,
    StatusOrder,
    pipeline_json,
    stage_json,
)
from ticketflow_pipeline.handlers import pipelines
from ticketflow_pipeline.handlers.pipelines import PipelineChange
from ticketflow_pipeline.handlers.retirements import PENDING, await_outcome, raise_if_refused

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_pipelines_router) at definition time.

EDITORS = (Role.SUPER_ADMIN, Role.PROPERTY_SETTINGS_EDITOR)


def _refuse_archiving(archived: bool | None, what: str) -> None:
    if archived:
        raise InvalidPipeline(f"to delete a {what}, send DELETE", "archived", "use_delete")


def build_pipelines_router(
    uow: UnitOfWork,
    caller: Callable[..., Any],
    policy: TierPolicy,
    retirement_wait_seconds: float,
) -> APIRouter:
    router = APIRouter(tags=["pipelines"])
    Caller = Annotated[Principal, Depends(caller)]
    base = "/crm/v3/pipelines/tickets"

    def editor(principal: Principal) -> MessageContext:
        require_role(principal, *EDITORS)
        return MessageContext.for_request(principal.account_id)

    async def finish(change: PipelineChange, what: str, response: Response) -> None:
        """Wait for the ticket service to confirm a retirement; 202 if it is slow to."""
        if change.retirement_id is None:
            return
        context = MessageContext.for_request(change.pipeline.account_id)
        outcome = await await_outcome(
            uow, context, change.retirement_id, wait_seconds=retirement_wait_seconds
        )
        raise_if_refused(outcome, what)
        if outcome.outcome == PENDING:
            response.status_code = status.HTTP_202_ACCEPTED

    @router.get(base)
    async def get_all(principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        found = await pipelines.list_pipelines(uow, context, requester_of(principal))
        return {"results": [pipeline_json(p) for p in found]}

    @router.post(base, status_code=status.HTTP_201_CREATED)
    async def create(body: PipelineInput, principal: Caller) -> dict[str, Any]:
        created = await pipelines.create_pipeline(
            uow,
            editor(principal),
            label=body.label,
            display_order=body.display_order,
            statuses=[s.as_new_status() for s in body.stages],
            policy=policy,
        )
        return pipeline_json(created)

    @router.get(base + "/{pipeline_id}")
    async def get_by_id(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        found = await pipelines.get_pipeline(uow, context, pipeline_id, requester_of(principal))
        return pipeline_json(found)

    @router.patch(base + "/{pipeline_id}")
    async def update(pipeline_id: str, body: PipelinePatch, principal: Caller) -> dict[str, Any]:
        context = editor(principal)
        _refuse_archiving(body.archived, "pipeline")
        updated = await pipelines.update_pipeline(
            uow,
            context,
            pipeline_id,
            label=body.label,
            display_order=body.display_order,
            requester=requester_of(principal),
        )
        return pipeline_json(updated)

    @router.put(base + "/{pipeline_id}")
    async def replace(
        pipeline_id: str, body: PipelineInput, principal: Caller, response: Response
    ) -> dict[str, Any]:
        """Statuses are matched to the current ones by label; the ones left out are
        deleted, which the ticket service must confirm (refused while they hold tickets)."""
        change = await pipelines.replace_pipeline(
            uow,
            editor(principal),
            pipeline_id,
            label=body.label,
            display_order=body.display_order,
            statuses=[s.as_new_status() for s in body.stages],
            requester=requester_of(principal),
        )
        await finish(change, "a status this replacement leaves out", response)
        context = MessageContext.for_request(principal.account_id)
        found = await pipelines.get_pipeline(uow, context, pipeline_id, requester_of(principal))
        return pipeline_json(found)

    @router.delete(base + "/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def archive(
        pipeline_id: str,
        principal: Caller,
        response: Response,
        validate_references_before_delete: Annotated[
            bool, Query(alias="validateReferencesBeforeDelete")
        ] = True,
    ) -> None:
        """Refused while the pipeline holds tickets. ticketflow never leaves a ticket in a
        deleted pipeline, so `validateReferencesBeforeDelete=false` validates too."""
        change = await pipelines.delete_pipeline(
            uow, editor(principal), pipeline_id, requester=requester_of(principal)
        )
        await finish(change, f"pipeline {pipeline_id!r}", response)

    # -- stages ---------------------------------------------------------------------------

    stages = base + "/{pipeline_id}/stages"

    @router.get(stages)
    async def get_stages(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        pipeline = await pipelines.get_pipeline(uow, context, pipeline_id, requester_of(principal))
        return {"results": [stage_json(s) for s in pipeline.statuses]}

    @router.post(stages, status_code=status.HTTP_201_CREATED)
    async def create_stage(pipeline_id: str, body: StageInput, principal: Caller) -> dict[str, Any]:
        added = await pipelines.add_status(
            uow,
            editor(principal),
            pipeline_id,
            body.as_new_status(),
            requester=requester_of(principal),
        )
        return stage_json(added)

    @router.get(stages + "/{stage_id}")
    async def get_stage(pipeline_id: str, stage_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        pipeline = await pipelines.get_pipeline(uow, context, pipeline_id, requester_of(principal))
        return stage_json(pipeline.status(stage_id))

    @router.patch(stages + "/{stage_id}")
    async def update_stage(
        pipeline_id: str, stage_id: str, body: StagePatch, principal: Caller
    ) -> dict[str, Any]:
        context = editor(principal)
        _refuse_archiving(body.archived, "stage")
        state: TicketState | None = body.metadata.ticket_state if body.metadata else None
        updated = await pipelines.update_status(
            uow,
            context,
            pipeline_id,
            stage_id,
            label=body.label,
            ticket_state=state,
            display_order=body.display_order,
            requester=requester_of(principal),
        )
        return stage_json(updated)

    @router.put(stages + "/{stage_id}")
    async def replace_stage(
        pipeline_id: str, stage_id: str, body: StageInput, principal: Caller
    ) -> dict[str, Any]:
        replaced = await pipelines.replace_status(
            uow,
            editor(principal),
            pipeline_id,
            stage_id,
            body.as_new_status(),
            requester=requester_of(principal),
        )
        return stage_json(replaced)

    @router.delete(stages + "/{stage_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def archive_stage(
        pipeline_id: str,
        stage_id: str,
        principal: Caller,
        response: Response,
        move_tickets_to: Annotated[str | None, Query(alias="moveTicketsTo")] = None,
    ) -> None:
        """Refused while the status holds tickets, unless `moveTicketsTo` names another
        status of the pipeline (a ticketflow extension): the ticket service moves them."""
        change = await pipelines.delete_status(
            uow,
            editor(principal),
            pipeline_id,
            stage_id,
            move_tickets_to,
            requester=requester_of(principal),
        )
        await finish(change, f"status {stage_id!r}", response)

    # -- the settings page's drag and drop --------------------------------------------------

    @router.put("/settings/v1/ticket-pipelines/order", tags=["settings"])
    async def reorder_pipelines(body: PipelineOrder, principal: Caller) -> dict[str, Any]:
        ordered = await pipelines.reorder_pipelines(
            uow, editor(principal), body.pipeline_ids, requester=requester_of(principal)
        )
        return {"results": [pipeline_json(p) for p in ordered]}

    @router.put("/settings/v1/ticket-pipelines/{pipeline_id}/statuses/order", tags=["settings"])
    async def reorder_statuses(
        pipeline_id: str, body: StatusOrder, principal: Caller
    ) -> dict[str, Any]:
        pipeline = await pipelines.reorder_statuses(
            uow, editor(principal), pipeline_id, body.status_ids, requester=requester_of(principal)
        )
        return pipeline_json(pipeline)

    return router
