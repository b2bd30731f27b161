"""Revoked API tokens, refused by every service's token check from the moment the revocation
reaches it.

The pipeline service issues a user's API tokens and publishes `token.revoked`. Every service
consumes it on its own queue `<service>.revocations`, records it in its store (collection
`revocations`, so a restart remembers) and in memory, where `TokenCodec.decode` looks. Several
instances of a service share the queue (one of them records each revocation), so each also
reloads the collection every few seconds: a revocation reaches every instance within
`REFRESH_SECONDS`. A revocation is forgotten once its token has expired anyway.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ticketflow_chassis.messaging.consuming import QueueConsumer
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.store.port import Collection, Document, DocumentStore, Query
from ticketflow_chassis.uow import MessageContext, UnitOfWork, utc_now
from ticketflow_chassis.worker import WakeableWorker
from ticketflow_contracts import Envelope, TokenRevoked

REVOCATIONS = "revocations"
REVOCATIONS_COLLECTION = Collection(REVOCATIONS)
REFRESH_SECONDS = 2.0
_PAGE = 1000


def revocations_queue(service_name: str) -> QueueSpec:
    return QueueSpec(f"{service_name}.revocations", (on_events("token.revoked.#"),))


class RevokedTokens:
    """The ids of revoked tokens not yet expired, with their expiry."""

    def __init__(self) -> None:
        self._expiries: dict[str, datetime] = {}

    def is_revoked(self, token_id: str, now: datetime) -> bool:
        expires_at = self._expiries.get(token_id)
        return expires_at is not None and expires_at > now

    def add(self, token_id: str, expires_at: datetime) -> None:
        self._expiries[token_id] = expires_at

    def merge(self, expiries: dict[str, datetime], now: datetime) -> None:
        """Adds what the store holds (a revocation is never taken back, so what memory has
        and a reload has not read yet stays) and forgets the expired."""
        merged = {**self._expiries, **expiries}
        self._expiries = {t: e for t, e in merged.items() if e > now}


def revocation_document(event: TokenRevoked, account_id: str) -> Document:
    return {
        "id": event.token_id,
        "account_id": account_id,
        "user_id": event.user_id,
        "revoked_at": event.revoked_at.isoformat(),
        "expires_at": event.expires_at.isoformat(),
    }


async def record_revocation(
    event: TokenRevoked, uow: UnitOfWork, context: MessageContext, revoked: RevokedTokens
) -> None:
    """Recorded once (the inbox drops a redelivery; a second revocation of one token keeps
    the first), then refused in memory at once."""

    async def record_once() -> None:
        async with uow.begin(context) as session:
            if await session.get(REVOCATIONS, event.token_id) is None:
                document = revocation_document(event, context.account_id)
                await session.put(REVOCATIONS, document, expected_version=None)

    await uow.retrying(record_once)
    revoked.add(event.token_id, event.expires_at)


def subscribe_revocations(consumer: QueueConsumer, uow: UnitOfWork, revoked: RevokedTokens) -> None:
    @consumer.on(TokenRevoked)
    async def on_token_revoked(event: Envelope[TokenRevoked]) -> None:
        await record_revocation(event.payload, uow, consumer.context_of(event), revoked)


class RevocationsRefresher:
    """Reloads the recorded revocations into memory at start and every `REFRESH_SECONDS`."""

    def __init__(self, store: DocumentStore, revoked: RevokedTokens):
        self._store = store
        self._revoked = revoked
        self._worker = WakeableWorker(
            "revocations-refresher",
            self._refresh,
            poll_seconds=REFRESH_SECONDS,
            retry_seconds=REFRESH_SECONDS,
        )

    async def _refresh(self) -> bool:
        expiries: dict[str, datetime] = {}
        async with self._store.read() as tx:
            query: Query | None = Query(limit=_PAGE)
            while query is not None:
                page = await tx.find(REVOCATIONS, query)
                for document in page.items:
                    expiries[document["id"]] = datetime.fromisoformat(document["expires_at"])
                query = replace(query, after=page.next_after) if page.next_after else None
        self._revoked.merge(expiries, utc_now())
        return True

    async def load(self) -> None:
        await self._refresh()

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
