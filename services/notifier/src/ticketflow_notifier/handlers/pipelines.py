"""Keeping the notifier's pipeline replica (revision-checked)."""

from __future__ import annotations

from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import PipelineSnapshotEvent
from ticketflow_notifier.adapters.repository import PipelineReplicas
from ticketflow_notifier.domain.replicas import PipelineReplica


async def apply_pipeline_snapshot(
    uow: UnitOfWork, message: Received[PipelineSnapshotEvent]
) -> None:
    replica = PipelineReplica(
        message.envelope.account_id, message.payload.revision, message.payload.pipeline
    )
    async with uow.begin(message.context) as session:
        await PipelineReplicas(session).apply(replica)
