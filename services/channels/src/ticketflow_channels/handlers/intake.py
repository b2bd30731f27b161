"""Intake of inbound email: find the connected inbox a recipient names, then store the raw
message and queue it for ingestion before the sender is told yes.

"Stored and queued" means: the raw bytes are in the blob store, and the Intake document and
its `channels.ingest_email` command are committed in one transaction (the outbox), which the
relay publishes within milliseconds, or once the broker is back."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ticketflow_channels.adapters.blobs import BlobRef, BlobStore, chunks_of
from ticketflow_channels.adapters.intake_repository import IntakeRepository
from ticketflow_channels.adapters.repository import ConnectionRepository
from ticketflow_channels.domain.connections import ChannelConnection, address_key
from ticketflow_channels.domain.errors import IntakeUnavailable
from ticketflow_channels.domain.intake import Intake, IntakeStatus, IntakeTransport
from ticketflow_channels.domain.thread_tokens import base_address, without_token
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_chassis.store.port import TransientStoreError, UnknownCommitError
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelType

# What "could not store it now" looks like: a disk or network failure (OSError), or the store
# giving up after the unit of work's retries. Either way nothing was recorded. Other store
# errors are bugs, and stay what they are.
_UNAVAILABLE = (OSError, TransientStoreError, UnknownCommitError)


def recipient_keys(address: str) -> list[str]:
    """The keys a recipient may be connected under, in order: the address as written (an
    inbox connected as `help+sales@acme.test`), without our thread token
    (`help+sales+T-ABCDEFGH23@…` -> `help+sales@…`), without any plus part (`help@…`)."""
    candidates = (address.strip(), without_token(address), base_address(address))
    return list(dict.fromkeys(address_key(ChannelType.EMAIL, c) for c in candidates))


async def connections_for_recipient(uow: UnitOfWork, address: str) -> list[ChannelConnection]:
    """The connected email channels, of any account, at this address (the exact address
    first, else without its plus part)."""
    try:
        async with uow.read(MessageContext.across_accounts()) as session:
            connections = ConnectionRepository(session)
            for key in recipient_keys(address):
                if found := await connections.connected_anywhere(ChannelType.EMAIL, key):
                    return found
            return []
    except _UNAVAILABLE as exc:
        raise IntakeUnavailable(exc) from exc


async def account_connection_for(
    uow: UnitOfWork, account_id: str, addresses: Iterable[str]
) -> tuple[str, ChannelConnection] | None:
    """The first of `addresses` that is a connected email channel of this account (never
    another account's), with that channel."""
    try:
        async with uow.read(MessageContext.for_request(account_id)) as session:
            connections = ConnectionRepository(session)
            for address in addresses:
                for key in recipient_keys(address):
                    found = await connections.connected_with(account_id, ChannelType.EMAIL, key)
                    if found is not None:
                        return address, found
    except _UNAVAILABLE as exc:
        raise IntakeUnavailable(exc) from exc
    return None


async def accept_email(
    raw: bytes,
    *,
    connections: Iterable[ChannelConnection],
    recipient: str,
    mail_from: str,
    transport: IntakeTransport,
    blobs: BlobStore,
    uow: UnitOfWork,
    max_bytes: int,
) -> list[Intake]:
    """Store `raw` once, then one queued Intake per connection, each with its IngestEmail
    command in the same unit of work (the connections may belong to different accounts).

    BlobTooLarge propagates; a failing blob or document store is IntakeUnavailable. Nothing
    is half-written: a blob stored for a unit that then fails is harmless (blobs are named by
    their content, and no record points at it). When a later connection's unit fails after
    an earlier one committed, the sender's retry brings a second intake for the earlier one,
    for ingestion to record as a duplicate of the same Message-ID."""
    try:
        ref = await blobs.put(chunks_of(raw), max_bytes=max_bytes)
        accepted = []
        for connection in connections:
            intake = await uow.retrying(
                _queue_intake, uow, connection, recipient, mail_from, transport, ref
            )
            accepted.append(intake)
    except _UNAVAILABLE as exc:
        raise IntakeUnavailable(exc) from exc
    return accepted


async def _queue_intake(
    uow: UnitOfWork,
    connection: ChannelConnection,
    recipient: str,
    mail_from: str,
    transport: IntakeTransport,
    raw: BlobRef,
) -> Intake:
    async with uow.begin(MessageContext.for_request(connection.account_id)) as session:
        intake = Intake(
            id=uuid.uuid4().hex,
            account_id=connection.account_id,
            connection_id=connection.id,
            transport=transport,
            recipient=recipient,
            mail_from=mail_from,
            raw_sha256=raw.sha256,
            size=raw.size,
            received_at=session.now,
            status=IntakeStatus.QUEUED,
        )
        await IntakeRepository(session).save(intake)
        await session.record(IngestEmail(intake_id=intake.id))
    return intake
