"""What the channels service consumes: account events, and pipeline snapshots into its
replica (the pipelines a connection may target)."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_channels.handlers.accounts import apply_account_created
from ticketflow_channels.handlers.pipelines import apply_pipeline_snapshot
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import AccountCreated, PipelineCreated, PipelineDeleted, PipelineUpdated

ACCOUNT_EVENTS = QueueSpec("channels.account-events", (on_events("account.#"),))
PIPELINE_SNAPSHOTS = QueueSpec("channels.pipeline-snapshots", (on_events("pipeline.#"),))
QUEUES = (ACCOUNT_EVENTS, PIPELINE_SNAPSHOTS)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    router = RabbitRouter()
    runtime.subscribe(
        router, ACCOUNT_EVENTS, {AccountCreated: partial(apply_account_created, runtime.uow)}
    )
    on_snapshot = partial(apply_pipeline_snapshot, runtime.uow)
    runtime.subscribe(
        router,
        PIPELINE_SNAPSHOTS,
        {PipelineCreated: on_snapshot, PipelineUpdated: on_snapshot, PipelineDeleted: on_snapshot},
    )
    return router
