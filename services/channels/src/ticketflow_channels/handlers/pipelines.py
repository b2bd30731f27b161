"""Keeping channels' pipeline replica (revision-checked): the targets connections may name."""

from __future__ import annotations

from ticketflow_channels.adapters.repository import PipelineReplicas
from ticketflow_channels.domain.replicas import PipelineReplica
from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import PipelineSnapshotEvent


async def apply_pipeline_snapshot(
    uow: UnitOfWork, message: Received[PipelineSnapshotEvent]
) -> None:
    replica = PipelineReplica(
        message.envelope.account_id, message.payload.revision, message.payload.pipeline
    )
    async with uow.begin(message.context) as session:
        await PipelineReplicas(session).apply(replica)
