"""Composition root of the channels service.

One process has a role (CHANNELS_ROLE, `ticketflow serve channels --role`):
- intake: the HTTP API, the SMTP listener, the sending of outbound messages, and the
  account and pipeline events every API needs;
- ingest: the ingestion workers only (competing consumers of `channels.email-ingest`),
  with the health routes; scaled on its own;
- all (default): both.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from faststream.rabbit import RabbitRouter

from ticketflow_channels.adapters.blob_factory import open_blob_store
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.adapters.transport_factory import open_mail_transport
from ticketflow_channels.domain.inbound import LoopPolicy
from ticketflow_channels.domain.intake import IngestEmail
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


def build_app(settings: ChannelsSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)
    blobs, close_blobs = open_blob_store(settings)
    runtime.add_worker(lambda: None, close_blobs)
    routers: list[APIRouter] = []
    broker_routers: list[RabbitRouter] = []
    body_limits: dict[str, int] = {}
    smtp: SmtpIntake | None = None
    if settings.role.intakes:
        principal = bearer_principal(runtime.tokens)
        routers += [
            build_api_router(runtime.uow, runtime.tokens),
            build_contacts_router(runtime.uow, principal),
            build_conversations_router(runtime.uow, blobs, principal),
        ]
        broker_routers.append(build_router(runtime))
        send_policy = SendPolicy(
            settings.send_max_attempts, settings.send_retry_max_seconds, settings.send_lease_seconds
        )
        dispatcher = OutboundDispatcher(runtime.uow, open_mail_transport(settings), send_policy)
        runtime.add_worker(dispatcher.start, dispatcher.stop)
        routers.append(build_messages_router(runtime.uow, principal, dispatcher.wake))
        broker_routers.append(build_sending_router(runtime, dispatcher.wake))
        max_email = settings.max_email_bytes
        routers.append(build_inbound_router(runtime.uow, blobs, principal, max_email))
        body_limits[INBOUND_EMAIL_PATH] = max_email
        smtp = build_smtp_intake(
            runtime.uow,
            blobs,
            host=settings.smtp_host,
            port=settings.smtp_port,
            max_bytes=max_email,
        )
        runtime.add_worker(smtp.start, smtp.stop)
    if settings.role.ingests:
        loop_policy = LoopPolicy(settings.loop_burst_count, settings.loop_window_seconds)
        broker_routers.append(build_ingestion_router(runtime, blobs, loop_policy))
    app = build_http_app(
        runtime,
        title="ticketflow channels service",
        routers=routers,
        broker_routers=broker_routers,
        body_limits=body_limits,
    )
    app.state.smtp_intake = smtp  # its bound port, when settings asked for any (0)
    return app


def main() -> None:
    serve(build_app, ChannelsSettings)
