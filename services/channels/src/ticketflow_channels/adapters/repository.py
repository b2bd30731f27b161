"""Channel connections, and the account and pipeline replicas, <-> documents on the chassis
store port. Connection documents are `<account_id>:<connection_id>`; disconnected ones stay.
Connections and deletions of their target pipeline write the same guard document."""

from __future__ import annotations

from ticketflow_channels.adapters.contact_repository import CONTACT_COLLECTION
from ticketflow_channels.adapters.conversation_repository import CONVERSATION_COLLECTIONS
from ticketflow_channels.adapters.intake_repository import INTAKE_COLLECTION
from ticketflow_channels.domain.connections import ChannelConnection
from ticketflow_channels.domain.replicas import AccountReplica, PipelineReplica
from ticketflow_chassis.replica import pipeline_replicas
from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import ChannelConnectionSnapshot, ChannelType, PipelineSnapshot, Tier

ACCOUNTS = "accounts"
CONNECTIONS = "channel_connections"
PIPELINES = "pipelines"
# One per (account, pipeline): see TargetGuards.
TARGET_GUARDS = "connection_target_guards"
PAGE_SIZE = 500

COLLECTIONS = (
    Collection(ACCOUNTS),
    Collection(
        CONNECTIONS,
        (
            # One connected channel per (account, type, address); the domain checks first,
            # this is the backstop for two concurrent connections. Tombstones free the key.
            Index(("account_id", "type", "address_key"), unique=True),
            Index(("account_id", "connected", "created_at")),
            # Inbound mail names an address, not an account.
            Index(("type", "address_key")),
        ),
        field_types={
            "account_id": "string",
            "type": "string",
            "address_key": "string",
            "connected": "boolean",
            "created_at": "string",
        },
    ),
    # A deleted pipeline's channels move to the account's first remaining pipeline.
    Collection(PIPELINES, (Index(("account_id",)),), field_types={"account_id": "string"}),
    Collection(TARGET_GUARDS),
    CONTACT_COLLECTION,
    *CONVERSATION_COLLECTIONS,
    INTAKE_COLLECTION,
)


class AccountReplicas:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str) -> AccountReplica | None:
        doc = await self._session.get(ACCOUNTS, account_id)
        return AccountReplica(doc["id"], doc["name"], Tier(doc["tier"])) if doc else None

    async def save(self, account: AccountReplica) -> None:
        current = await self._session.get(ACCOUNTS, account.account_id)
        doc = {"id": account.account_id, "name": account.name, "tier": account.tier.value}
        await self._session.put(
            ACCOUNTS, doc, expected_version=current["version"] if current else None
        )


async def pipeline_replica(
    session: Session, account_id: str, pipeline_id: str
) -> PipelineReplica | None:
    held = await pipeline_replicas(session, PIPELINES).get(account_id, pipeline_id)
    return PipelineReplica(held.account_id, held.revision, held.snapshot) if held else None


async def account_pipeline_replicas(session: Session, account_id: str) -> list[PipelineReplica]:
    """Every pipeline of the account channels has heard of, deleted ones (tombstones) too."""
    query = Query((Eq("account_id", account_id),), limit=PAGE_SIZE)
    return [
        PipelineReplica(
            doc["account_id"], doc["revision"], PipelineSnapshot.model_validate(doc["snapshot"])
        )
        async for doc in session.find_all(PIPELINES, query)
    ]


class TargetGuards:
    """The guard of "no connected channel targets a deleted pipeline" (decisions.md,
    "Invariants under snapshot isolation"): connecting or retargeting a channel to a pipeline
    and applying that pipeline's deletion each write `<account>:<pipeline>` at the version they
    read, so of a connection and a deletion that miss each other one runs again and sees the
    other (refused, or moved)."""

    def __init__(self, session: Session):
        self._session = session

    async def record_change(self, account_id: str, pipeline_id: str) -> None:
        doc_id = scoped_id(account_id, pipeline_id)
        current = await self._session.get(TARGET_GUARDS, doc_id)
        doc = {
            "id": doc_id,
            "account_id": account_id,
            "pipeline_id": pipeline_id,
            "changes": (current["changes"] if current else 0) + 1,
        }
        await self._session.put(
            TARGET_GUARDS, doc, expected_version=current["version"] if current else None
        )


def connection_to_doc(connection: ChannelConnection) -> Document:
    state = connection.state
    return {
        "id": scoped_id(connection.account_id, connection.id),
        "account_id": connection.account_id,
        "type": state.type.value,
        "address_key": (
            connection.address_key if connection.connected else f"disconnected:{connection.id}"
        ),
        "connected": connection.connected,
        "created_at": state.created_at.isoformat(),
        "revision": connection.revision,
        "state": state.model_dump(mode="json"),
    }


def connection_from_doc(doc: Document) -> ChannelConnection:
    return ChannelConnection(
        account_id=doc["account_id"],
        state=ChannelConnectionSnapshot.model_validate(doc["state"]),
        revision=doc["revision"],
        version=doc["version"],
    )


class ConnectionRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, connection_id: str) -> ChannelConnection | None:
        """The connection, disconnected or not; None for another account's."""
        doc = await self._session.get(CONNECTIONS, scoped_id(account_id, connection_id))
        return connection_from_doc(doc) if doc else None

    async def connected_with(
        self, account_id: str, channel_type: ChannelType, address_key: str
    ) -> ChannelConnection | None:
        """The account's connected channel of this type whose address has this key."""
        query = Query(
            (
                Eq("account_id", account_id),
                Eq("type", channel_type.value),
                Eq("address_key", address_key),
            ),
            limit=1,
        )
        page = await self._session.find(CONNECTIONS, query)
        return connection_from_doc(page.items[0]) if page.items else None

    async def connected_anywhere(
        self, channel_type: ChannelType, address_key: str
    ) -> list[ChannelConnection]:
        """Every account's connected channel of this type at this address (disconnected ones
        keep another key); normally one."""
        query = Query(
            (Eq("type", channel_type.value), Eq("address_key", address_key)), limit=PAGE_SIZE
        )
        page = await self._session.find(CONNECTIONS, query)
        return [connection_from_doc(doc) for doc in page.items]

    async def connected(self, account_id: str) -> list[ChannelConnection]:
        """The account's connected channels, oldest first."""
        query = Query(
            (Eq("account_id", account_id), Eq("connected", True)),
            (SortKey("created_at"),),
            limit=PAGE_SIZE,
        )
        return [
            connection_from_doc(doc) async for doc in self._session.find_all(CONNECTIONS, query)
        ]

    async def save(self, connection: ChannelConnection) -> None:
        """Insert a new connection or replace it at the version it was read at; record its
        events in the same transaction."""
        await self._session.save(CONNECTIONS, connection, connection_to_doc(connection))
