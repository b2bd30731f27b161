"""Reading pipelines (the write side arrives with the pipeline issue)."""

from __future__ import annotations

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain.errors import PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline


async def list_pipelines(uow: UnitOfWork, context: MessageContext) -> list[Pipeline]:
    async with uow.begin(context) as session:
        return await PipelineRepository(session).list_pipelines(context.account_id)


async def get_pipeline(uow: UnitOfWork, context: MessageContext, pipeline_id: str) -> Pipeline:
    async with uow.begin(context) as session:
        pipeline = await PipelineRepository(session).get_pipeline(context.account_id, pipeline_id)
    if pipeline is None or pipeline.archived:
        raise PipelineNotFound(pipeline_id)
    return pipeline
