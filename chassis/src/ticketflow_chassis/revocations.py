"""Revoked API tokens and deactivated users, refused by every service's token check from the
moment the news reaches it.

The pipeline service issues a user's API tokens and owns the users: it publishes
`token.revoked` and `user.deactivated`. Every service consumes them on its own queue
`<service>.revocations`, records them in its store (collection `revocations`, so a restart
remembers) and in memory, where `TokenCodec.decode` looks. Several instances of a service share
the queue (one of them records each), so each also reloads the collection every few seconds:
the news reaches every instance within `REFRESH_SECONDS`. A token's revocation is forgotten
once the token has expired anyway; a deactivation is kept (users are never reactivated).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.messaging.consuming import QueueConsumer
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.store.port import Collection, Document, DocumentStore, Query
from ticketflow_chassis.uow import MessageContext, UnitOfWork, utc_now
from ticketflow_chassis.worker import WakeableWorker
from ticketflow_contracts import Envelope, TokenRevoked, UserDeactivated

REVOCATIONS = "revocations"
REVOCATIONS_COLLECTION = Collection(REVOCATIONS)
REFRESH_SECONDS = 2.0
_PAGE = 1000
TOKEN, USER = "token", "user"


def revocations_queue(service_name: str) -> QueueSpec:
    return QueueSpec(
        f"{service_name}.revocations",
        (on_events("token.revoked.#"), on_events("user.deactivated.#")),
    )


class Revocations:
    """Revoked tokens not yet expired (id -> expiry) and deactivated users (account, user)."""

    def __init__(self) -> None:
        self._tokens: dict[str, datetime] = {}
        self._users: set[tuple[str, str]] = set()

    def refusal(self, principal: Principal, now: datetime) -> str | None:
        expires_at = self._tokens.get(principal.token_id or "")
        if expires_at is not None and expires_at > now:
            return "The token was revoked."
        if (principal.account_id, principal.user_id) in self._users:
            return "The token's user is deactivated."
        return None

    def add(self, document: Document) -> None:
        if document["kind"] == TOKEN:
            self._tokens[document["token_id"]] = datetime.fromisoformat(document["expires_at"])
        else:
            self._users.add((document["account_id"], document["user_id"]))

    def merge(self, documents: list[Document], now: datetime) -> None:
        """Adds what the store holds (nothing is ever taken back, so what memory has and a
        reload has not read yet stays) and forgets the expired tokens."""
        for document in documents:
            self.add(document)
        self._tokens = {t: e for t, e in self._tokens.items() if e > now}


def token_revocation(event: TokenRevoked, account_id: str) -> Document:
    return {
        "id": f"{TOKEN}:{event.token_id}",
        "kind": TOKEN,
        "account_id": account_id,
        "user_id": event.user_id,
        "token_id": event.token_id,
        "revoked_at": event.revoked_at.isoformat(),
        "expires_at": event.expires_at.isoformat(),
    }


def user_deactivation(event: UserDeactivated, account_id: str) -> Document:
    return {
        "id": f"{USER}:{account_id}:{event.user.id}",
        "kind": USER,
        "account_id": account_id,
        "user_id": event.user.id,
    }


async def record_revocation(
    document: Document, uow: UnitOfWork, context: MessageContext, revocations: Revocations
) -> None:
    """Recorded once (the inbox drops a redelivery; the first record of one token or user
    stays), then refused in memory at once."""

    async def record_once() -> None:
        async with uow.begin(context) as session:
            if await session.get(REVOCATIONS, document["id"]) is None:
                await session.put(REVOCATIONS, document, expected_version=None)

    await uow.retrying(record_once)
    revocations.add(document)


def subscribe_revocations(
    consumer: QueueConsumer, uow: UnitOfWork, revocations: Revocations
) -> None:
    @consumer.on(TokenRevoked)
    async def on_token_revoked(event: Envelope[TokenRevoked]) -> None:
        document = token_revocation(event.payload, event.account_id)
        await record_revocation(document, uow, consumer.context_of(event), revocations)

    @consumer.on(UserDeactivated)
    async def on_user_deactivated(event: Envelope[UserDeactivated]) -> None:
        document = user_deactivation(event.payload, event.account_id)
        await record_revocation(document, uow, consumer.context_of(event), revocations)


class RevocationsRefresher:
    """Reloads the recorded revocations into memory at start and every `REFRESH_SECONDS`."""

    def __init__(self, store: DocumentStore, revocations: Revocations):
        self._store = store
        self._revocations = revocations
        self._worker = WakeableWorker(
            "revocations-refresher",
            self._refresh,
            poll_seconds=REFRESH_SECONDS,
            retry_seconds=REFRESH_SECONDS,
        )

    async def _refresh(self) -> bool:
        documents: list[Document] = []
        async with self._store.read() as tx:
            query: Query | None = Query(limit=_PAGE)
            while query is not None:
                page = await tx.find(REVOCATIONS, query)
                documents += page.items
                query = replace(query, after=page.next_after) if page.next_after else None
        self._revocations.merge(documents, utc_now())
        return True

    async def load(self) -> None:
        await self._refresh()

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
