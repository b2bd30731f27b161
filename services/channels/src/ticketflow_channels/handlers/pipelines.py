"""A deleted pipeline: its tombstone goes into the pipeline replica, and the connections
still on it (made while the deletion was under way) move to the account's first remaining
pipeline, or are disconnected when none is left, in the same transaction."""

from __future__ import annotations

import logging

from ticketflow_channels.adapters.repository import (
    PIPELINES,
    ConnectionRepository,
    TargetGuards,
    account_pipeline_replicas,
    pipeline_replica,
)
from ticketflow_channels.domain.connections import successor_of
from ticketflow_chassis.replica import pipeline_replicas
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import PipelineSnapshotEvent

log = logging.getLogger(__name__)


async def apply_pipeline_deleted(
    event: PipelineSnapshotEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    await uow.retrying(_apply_pipeline_deleted_once, event, uow, context)


async def _apply_pipeline_deleted_once(
    event: PipelineSnapshotEvent, uow: UnitOfWork, context: MessageContext
) -> None:
    account_id, pipeline_id = context.account_id, event.pipeline.id
    async with uow.begin(context) as session:
        await pipeline_replicas(session, PIPELINES).apply(
            account_id, pipeline_id, event.revision, event.pipeline
        )
        await TargetGuards(session).record_change(account_id, pipeline_id)
        deleted = await pipeline_replica(session, account_id, pipeline_id)
        repository = ConnectionRepository(session)
        connected = await repository.connected(account_id)
        if deleted is None or not connected:
            return
        successor = successor_of(pipeline_id, await account_pipeline_replicas(session, account_id))
        for connection in connected:
            if connection.leave_deleted_pipeline(deleted, successor, session.now):
                await repository.save(connection)
                log.warning(
                    "channel connection %s (%s %r) targeted deleted pipeline %s: %s",
                    connection.id,
                    connection.type.value,
                    connection.state.address,
                    pipeline_id,
                    f"moved to pipeline {successor.pipeline.id}"
                    if successor is not None
                    else "disconnected (no pipeline left)",
                )
