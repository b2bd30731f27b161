"""Loading one live pipeline for a requester: a deleted one, or one hidden from them, is 404;
one they may only view refuses changes (domain/access.py). `edit_pipeline` is the whole
handler shape of a simple change: load for editing, apply the domain change, save."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.errors import PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline

T = TypeVar("T")


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


async def edit_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    requester: Requester,
    pipeline_id: str,
    change: Callable[[Pipeline, datetime], T],
    check: Callable[[Session], Awaitable[None]] | None = None,
) -> T:
    """One unit of work: `check` (e.g. the account's tier), load for editing, `change`, save
    (with the events the change recorded)."""
    async with uow.begin(context) as session:
        if check is not None:
            await check(session)
        pipeline = await load_editable(session, context, pipeline_id, requester)
        result = change(pipeline, session.now)
        await PipelineRepository(session).save(pipeline)
    return result
