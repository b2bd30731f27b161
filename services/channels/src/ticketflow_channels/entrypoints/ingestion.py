"""The ingestion workers: competing consumers of `channels.email-ingest`, one
`channels.ingest_email` command per stored intake. Scaled on their own (role `ingest`)."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from ticketflow_channels.adapters.blobs import BlobStore
from ticketflow_channels.domain.inbound import LoopPolicy
from ticketflow_channels.entrypoints.subscribers import EMAIL_INGEST
from ticketflow_channels.handlers.ingestion import ingest_email
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import Envelope


def build_ingestion_router(
    runtime: ServiceRuntime, blobs: BlobStore, policy: LoopPolicy
) -> RabbitRouter:
    uow = runtime.uow
    emails = runtime.consumer(EMAIL_INGEST)

    @emails.on(IngestEmail)
    async def on_ingest_email(command: Envelope[IngestEmail]) -> None:
        await ingest_email(command.payload, blobs, policy, uow, emails.context_of(command))

    return consumers_router(emails)
