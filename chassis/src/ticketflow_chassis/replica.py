"""Revision-checked replicas of another service's facts: a snapshot replaces the held one
only when its revision is newer, so the order and duplication of events do not matter.

    replicas = SnapshotReplicas(session, "pipelines", PipelineSnapshot, id_field="pipeline_id")
    await replicas.apply(account_id, pipeline.id, revision, pipeline)
    held = await replicas.get(account_id, pipeline_id)  # Replicated(account, revision, snapshot)

`apply_pipeline_snapshots(collection)` is the one handler of `pipeline.*` events for every
service that keeps a pipeline replica.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from ticketflow_chassis.messaging.consuming import QueueConsumer
from ticketflow_chassis.store.port import Document, scoped_id
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionEvent,
    ChannelConnectionUpdated,
    Envelope,
    PipelineCreated,
    PipelineDeleted,
    PipelineSnapshot,
    PipelineSnapshotEvent,
    PipelineUpdated,
)

S = TypeVar("S", bound=BaseModel)


async def apply_if_newer(
    session: Session, collection: str, document: Document, revision: int
) -> bool:
    """Store `document` (with its `id`) at `revision` unless a newer or equal one is held.

    Returns whether it was applied; two concurrent applications conflict on the version
    check, and the consumer's retry then finds the newer one held.
    """
    current = await session.get(collection, document["id"])
    if current is not None and current["revision"] >= revision:
        return False
    await session.put(
        collection,
        {**document, "revision": revision},
        expected_version=current["version"] if current is not None else None,
    )
    return True


@dataclass(frozen=True)
class Replicated(Generic[S]):
    account_id: str
    revision: int
    snapshot: S


class SnapshotReplicas(Generic[S]):
    """Snapshots of one kind, one document each: `{id, account_id, <id_field>, revision,
    snapshot}` with `id` scoped to the account."""

    def __init__(self, session: Session, collection: str, model: type[S], *, id_field: str):
        self._session = session
        self._collection = collection
        self._model = model
        self._id_field = id_field

    async def apply(self, account_id: str, object_id: str, revision: int, snapshot: S) -> bool:
        document = {
            "id": scoped_id(account_id, object_id),
            "account_id": account_id,
            self._id_field: object_id,
            "snapshot": snapshot.model_dump(mode="json"),
        }
        return await apply_if_newer(self._session, self._collection, document, revision)

    async def get(self, account_id: str, object_id: str) -> Replicated[S] | None:
        document = await self._session.get(self._collection, scoped_id(account_id, object_id))
        if document is None:
            return None
        snapshot = self._model.model_validate(document["snapshot"])
        return Replicated(document["account_id"], document["revision"], snapshot)


def pipeline_replicas(session: Session, collection: str) -> SnapshotReplicas[PipelineSnapshot]:
    return SnapshotReplicas(session, collection, PipelineSnapshot, id_field="pipeline_id")


PipelineSnapshotHandler = Callable[
    [PipelineSnapshotEvent, UnitOfWork, MessageContext], Awaitable[None]
]


def apply_pipeline_snapshots(collection: str) -> PipelineSnapshotHandler:
    """The handler of `pipeline.created/updated/deleted` for a replica kept in `collection`
    (a deleted pipeline's last snapshot stays as its tombstone)."""

    async def apply_once(
        event: PipelineSnapshotEvent, uow: UnitOfWork, context: MessageContext
    ) -> None:
        async with uow.begin(context) as session:
            await pipeline_replicas(session, collection).apply(
                context.account_id, event.pipeline.id, event.revision, event.pipeline
            )

    async def apply_pipeline_snapshot(
        event: PipelineSnapshotEvent, uow: UnitOfWork, context: MessageContext
    ) -> None:
        await uow.retrying(apply_once, event, uow, context)

    return apply_pipeline_snapshot


def subscribe_pipeline_replica(
    consumer: QueueConsumer,
    uow: UnitOfWork,
    collection: str,
    *,
    on_deleted: PipelineSnapshotHandler | None = None,
) -> None:
    """The typed subscribers of a service's pipeline-snapshot queue: created, updated and
    deleted pipelines, each applied to the replica kept in `collection`; `on_deleted`, when
    given, handles `pipeline.deleted` instead (it applies the tombstone and does more)."""
    apply_pipeline_snapshot = apply_pipeline_snapshots(collection)
    apply_pipeline_deleted = on_deleted or apply_pipeline_snapshot

    @consumer.on(PipelineCreated)
    async def on_pipeline_created(event: Envelope[PipelineCreated]) -> None:
        await apply_pipeline_snapshot(event.payload, uow, consumer.context_of(event))

    @consumer.on(PipelineUpdated)
    async def on_pipeline_updated(event: Envelope[PipelineUpdated]) -> None:
        await apply_pipeline_snapshot(event.payload, uow, consumer.context_of(event))

    @consumer.on(PipelineDeleted)
    async def on_pipeline_deleted(event: Envelope[PipelineDeleted]) -> None:
        await apply_pipeline_deleted(event.payload, uow, consumer.context_of(event))


ConnectionEventHandler = Callable[
    [ChannelConnectionEvent, UnitOfWork, MessageContext], Awaitable[None]
]


def subscribe_connection_replica(
    consumer: QueueConsumer, uow: UnitOfWork, apply: ConnectionEventHandler
) -> None:
    """The typed subscribers of a service's channel-connection queue: connected, updated and
    disconnected channels, each handed to the service's `apply` (which keeps its replica)."""

    @consumer.on(ChannelConnectionConnected)
    async def on_channel_connection_connected(event: Envelope[ChannelConnectionConnected]) -> None:
        await apply(event.payload, uow, consumer.context_of(event))

    @consumer.on(ChannelConnectionUpdated)
    async def on_channel_connection_updated(event: Envelope[ChannelConnectionUpdated]) -> None:
        await apply(event.payload, uow, consumer.context_of(event))

    @consumer.on(ChannelConnectionDisconnected)
    async def on_channel_connection_disconnected(
        event: Envelope[ChannelConnectionDisconnected],
    ) -> None:
        await apply(event.payload, uow, consumer.context_of(event))
