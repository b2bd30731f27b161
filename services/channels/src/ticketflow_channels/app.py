"""Composition root of the channels service.

One process has a role (CHANNELS_ROLE, `ticketflow serve channels --role`):
- intake: the HTTP API, the SMTP listener, the sending of outbound messages, and the
  account and pipeline events every API needs;
- ingest: the ingestion workers only (competing consumers of `channels.email-ingest`),
  with the health routes; scaled on its own;
- all (default): both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from faststream.rabbit import RabbitRouter

from ticketflow_channels.adapters.blob_factory import open_blob_store
from ticketflow_channels.adapters.blobs import BlobStore
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.adapters.transport_factory import open_mail_transport
from ticketflow_channels.domain.inbound import LoopPolicy
from ticketflow_channels.domain.sending import SendPolicy
from ticketflow_channels.entrypoints.http import build_api_router
from ticketflow_channels.entrypoints.http_contacts import build_contacts_router
from ticketflow_channels.entrypoints.http_conversations import build_conversations_router
from ticketflow_channels.entrypoints.http_inbound import INBOUND_EMAIL_PATH, build_inbound_router
from ticketflow_channels.entrypoints.http_messages import build_messages_router
from ticketflow_channels.entrypoints.ingestion import build_ingestion_router
from ticketflow_channels.entrypoints.outbound_dispatcher import OutboundDispatcher
from ticketflow_channels.entrypoints.send_subscribers import build_sending_router
from ticketflow_channels.entrypoints.smtp_intake import SmtpIntake, build_smtp_intake
from ticketflow_channels.entrypoints.subscribers import QUEUES, build_router
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.auth import bearer_principal
from ticketflow_chassis.http_app import build_http_app, serve
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
    ContactCreated,
    ContactUpdated,
    ConversationMessageFailed,
    ConversationMessageHeld,
    ConversationMessageReceived,
    ConversationMessageSent,
)

PUBLISHES = (
    ChannelConnectionConnected,
    ChannelConnectionUpdated,
    ChannelConnectionDisconnected,
    ContactCreated,
    ContactUpdated,
    ConversationMessageReceived,
    ConversationMessageHeld,
    ConversationMessageSent,
    ConversationMessageFailed,
    IngestEmail,
)


@dataclass
class RoleParts:
    """What a process's role adds to its app."""

    routers: list[APIRouter] = field(default_factory=list)
    broker_routers: list[RabbitRouter] = field(default_factory=list)
    body_limits: dict[str, int] = field(default_factory=dict)
    smtp: SmtpIntake | None = None


def build_app(settings: ChannelsSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    blobs, close_blobs = open_blob_store(settings)
    runtime.add_worker(lambda: None, close_blobs)
    parts = RoleParts()
    if settings.role.intakes:
        add_intake(parts, runtime, settings, blobs)
    if settings.role.ingests:
        loop_policy = LoopPolicy(settings.loop_burst_count, settings.loop_window_seconds)
        parts.broker_routers.append(build_ingestion_router(runtime, blobs, loop_policy))
    app = build_http_app(
        runtime,
        title="ticketflow channels service",
        routers=parts.routers,
        broker_routers=parts.broker_routers,
        body_limits=parts.body_limits,
    )
    app.state.smtp_intake = parts.smtp  # its bound port, when settings asked for any (0)
    return app


def add_intake(
    parts: RoleParts, runtime: ServiceRuntime, settings: ChannelsSettings, blobs: BlobStore
) -> None:
    """The public API, the account and pipeline events it needs, sending, and the inbound
    email endpoint and SMTP listener."""
    principal = bearer_principal(runtime.tokens)
    send_policy = SendPolicy(
        settings.send_max_attempts, settings.send_retry_max_seconds, settings.send_lease_seconds
    )
    dispatcher = OutboundDispatcher(runtime.uow, open_mail_transport(settings), send_policy)
    runtime.add_worker(dispatcher.start, dispatcher.stop)
    max_email = settings.max_email_bytes
    parts.routers += [
        build_api_router(runtime.uow, runtime.tokens),
        build_contacts_router(runtime.uow, principal),
        build_conversations_router(runtime.uow, blobs, principal),
        build_messages_router(runtime.uow, principal, dispatcher.wake),
        build_inbound_router(runtime.uow, blobs, principal, max_email),
    ]
    parts.broker_routers += [build_router(runtime), build_sending_router(runtime, dispatcher.wake)]
    parts.body_limits[INBOUND_EMAIL_PATH] = max_email
    parts.smtp = build_smtp_intake(
        runtime.uow, blobs, host=settings.smtp_host, port=settings.smtp_port, max_bytes=max_email
    )
    runtime.add_worker(parts.smtp.start, parts.smtp.stop)


def main() -> None:
    serve(build_app, ChannelsSettings)
