"""Loading one live pipeline for a requester: a deleted one, or one hidden from them, is 404;
one they may only view refuses changes (domain/access.py)."""

from __future__ import annotations

from ticketflow_chassis.uow import MessageContext, Session
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.errors import PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline


async def load_live(session: Session, context: MessageContext, pipeline_id: str) -> Pipeline:
    pipeline = await PipelineRepository(session).get(context.account_id, pipeline_id)
    if pipeline is None or pipeline.archived:
        raise PipelineNotFound(pipeline_id)
    return pipeline


async def load_visible(
    session: Session, context: MessageContext, pipeline_id: str, requester: Requester
) -> Pipeline:
    pipeline = await load_live(session, context, pipeline_id)
    access.require_view(pipeline, requester)
    return pipeline


async def load_editable(
    session: Session, context: MessageContext, pipeline_id: str, requester: Requester
) -> Pipeline:
    pipeline = await load_live(session, context, pipeline_id)
    access.require_edit(pipeline, requester)
    return pipeline
