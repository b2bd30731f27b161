"""HubSpot's CRM v3 pipelines API for tickets (`/crm/v3/pipelines/tickets...`), plus the
pipeline settings page's reorder endpoints (`/settings/v1/ticket-pipelines/...`)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_pipeline.domain.errors import InvalidPipeline
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.entrypoints.http.callers import context_of, editor_context, requester_of
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
from ticketflow_pipeline.handlers import pipelines as handlers

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_pipelines_router) at definition time.


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
    wait = retirement_wait_seconds

    def accepted_if(pending: bool, response: Response) -> None:
        """The ticket service has yet to confirm a retirement: 202 instead of the usual code."""
        if pending:
            response.status_code = status.HTTP_202_ACCEPTED

    async def visible(pipeline_id: str, principal: Principal) -> Pipeline:
        query = handlers.GetPipeline(pipeline_id, requester_of(principal))
        return await handlers.get_pipeline(query, uow, context_of(principal))

    @router.get(base)
    async def get_all(principal: Caller) -> dict[str, Any]:
        query = handlers.ListPipelines(requester_of(principal))
        found = await handlers.list_pipelines(query, uow, context_of(principal))
        return {"results": [pipeline_json(p) for p in found]}

    @router.post(base, status_code=status.HTTP_201_CREATED, responses=responses_for(403, 409))
    async def create(body: PipelineInput, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        stages = [s.as_new_status() for s in body.stages]
        command = handlers.CreatePipeline(body.label, body.display_order, stages, policy)
        return pipeline_json(await handlers.create_pipeline(command, uow, context))

    @router.get(base + "/{pipeline_id}")
    async def get_by_id(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        return pipeline_json(await visible(pipeline_id, principal))

    @router.patch(base + "/{pipeline_id}", responses=responses_for(403, 409))
    async def update(pipeline_id: str, body: PipelinePatch, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        _refuse_archiving(body.archived, "pipeline")
        command = handlers.UpdatePipeline(
            pipeline_id, body.label, body.display_order, requester_of(principal)
        )
        return pipeline_json(await handlers.update_pipeline(command, uow, context))

    @router.put(base + "/{pipeline_id}", responses=responses_for(202, 403, 409))
    async def replace(
        pipeline_id: str, body: PipelineInput, principal: Caller, response: Response
    ) -> dict[str, Any]:
        """Statuses are matched to the current ones by label; the ones left out are
        deleted, which the ticket service must confirm (refused while they hold tickets)."""
        context = editor_context(principal)
        stages = [s.as_new_status() for s in body.stages]
        command = handlers.ReplacePipeline(
            pipeline_id, body.label, body.display_order, stages, requester_of(principal), wait
        )
        replaced = await handlers.replace_pipeline(command, uow, context)
        accepted_if(replaced.pending, response)
        return pipeline_json(replaced.pipeline)

    @router.delete(
        base + "/{pipeline_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(202, 403, 409),
    )
    async def archive(
        pipeline_id: str,
        principal: Caller,
        response: Response,
        validate_references_before_delete: Annotated[
            bool, Query(alias="validateReferencesBeforeDelete")
        ] = True,
    ) -> None:
        """Refused while the pipeline holds tickets or a connected channel targets it (409
        naming the channels). ticketflow never leaves a ticket or a channel on a deleted
        pipeline, so `validateReferencesBeforeDelete=false` validates too."""
        context = editor_context(principal)
        command = handlers.DeletePipeline(pipeline_id, requester_of(principal), wait)
        accepted_if(await handlers.delete_pipeline(command, uow, context), response)

    # -- stages ---------------------------------------------------------------------------

    stages = base + "/{pipeline_id}/stages"

    @router.get(stages)
    async def get_stages(pipeline_id: str, principal: Caller) -> dict[str, Any]:
        pipeline = await visible(pipeline_id, principal)
        return {"results": [stage_json(s) for s in pipeline.statuses]}

    @router.post(stages, status_code=status.HTTP_201_CREATED, responses=responses_for(403, 409))
    async def create_stage(pipeline_id: str, body: StageInput, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.AddStatus(pipeline_id, body.as_new_status(), requester_of(principal))
        return stage_json(await handlers.add_status(command, uow, context))

    @router.get(stages + "/{stage_id}")
    async def get_stage(pipeline_id: str, stage_id: str, principal: Caller) -> dict[str, Any]:
        return stage_json((await visible(pipeline_id, principal)).status(stage_id))

    @router.patch(stages + "/{stage_id}", responses=responses_for(403, 409))
    async def update_stage(
        pipeline_id: str, stage_id: str, body: StagePatch, principal: Caller
    ) -> dict[str, Any]:
        context = editor_context(principal)
        _refuse_archiving(body.archived, "stage")
        command = handlers.UpdateStatus(
            pipeline_id,
            stage_id,
            requester_of(principal),
            label=body.label,
            ticket_state=body.metadata.ticket_state if body.metadata else None,
            display_order=body.display_order,
        )
        return stage_json(await handlers.update_status(command, uow, context))

    @router.put(stages + "/{stage_id}", responses=responses_for(403, 409))
    async def replace_stage(
        pipeline_id: str, stage_id: str, body: StageInput, principal: Caller
    ) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.ReplaceStatus(
            pipeline_id, stage_id, body.as_new_status(), requester_of(principal)
        )
        return stage_json(await handlers.replace_status(command, uow, context))

    @router.delete(
        stages + "/{stage_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses_for(202, 403, 409),
    )
    async def archive_stage(
        pipeline_id: str,
        stage_id: str,
        principal: Caller,
        response: Response,
        move_tickets_to: Annotated[str | None, Query(alias="moveTicketsTo")] = None,
    ) -> None:
        """Refused while the status holds tickets, unless `moveTicketsTo` names another
        status of the pipeline (a ticketflow extension): the ticket service moves them."""
        context = editor_context(principal)
        command = handlers.DeleteStatus(
            pipeline_id, stage_id, move_tickets_to, requester_of(principal), wait
        )
        accepted_if(await handlers.delete_status(command, uow, context), response)

    # -- the pipeline settings page's drag and drop -----------------------------------------

    @router.put(
        "/settings/v1/ticket-pipelines/order", tags=["settings"], responses=responses_for(403, 409)
    )
    async def reorder_pipelines(body: PipelineOrder, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.ReorderPipelines(body.pipeline_ids, requester_of(principal))
        ordered = await handlers.reorder_pipelines(command, uow, context)
        return {"results": [pipeline_json(p) for p in ordered]}

    @router.put(
        "/settings/v1/ticket-pipelines/{pipeline_id}/statuses/order",
        tags=["settings"],
        responses=responses_for(403, 409),
    )
    async def reorder_statuses(
        pipeline_id: str, body: StatusOrder, principal: Caller
    ) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.ReorderStatuses(pipeline_id, body.status_ids, requester_of(principal))
        return pipeline_json(await handlers.reorder_statuses(command, uow, context))

    return router
