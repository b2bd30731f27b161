"""The replica of the channels service's connections <-> documents on the chassis store port.
Document id `<account_id>:<connection_id>`; applied only when newer (`apply_if_newer`)."""

from __future__ import annotations

from ticketflow_chassis.replica import apply_if_newer
from ticketflow_chassis.store.port import Collection, Eq, Index, Query, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import ChannelConnectionSnapshot
from ticketflow_pipeline.domain.channels import ChannelConnectionReplica

CHANNEL_CONNECTIONS = "channel_connections"
CHANNEL_COLLECTION = Collection(
    CHANNEL_CONNECTIONS,
    (Index(("account_id", "pipeline_id", "connected")),),
    field_types={"account_id": "string", "pipeline_id": "string", "connected": "boolean"},
)
PAGE_SIZE = 500


class ChannelConnectionReplicas:
    def __init__(self, session: Session):
        self._session = session

    async def apply(self, replica: ChannelConnectionReplica) -> bool:
        """Store the connection unless an equal or newer revision is held."""
        connection = replica.connection
        doc = {
            "id": scoped_id(replica.account_id, connection.id),
            "account_id": replica.account_id,
            "pipeline_id": connection.pipeline_id,
            "connected": connection.connected,
            "snapshot": connection.model_dump(mode="json"),
        }
        return await apply_if_newer(self._session, CHANNEL_CONNECTIONS, doc, replica.revision)

    async def get(self, account_id: str, connection_id: str) -> ChannelConnectionReplica | None:
        doc = await self._session.get(CHANNEL_CONNECTIONS, scoped_id(account_id, connection_id))
        if doc is None:
            return None
        snapshot = ChannelConnectionSnapshot.model_validate(doc["snapshot"])
        return ChannelConnectionReplica(doc["account_id"], doc["revision"], snapshot)

    async def connected_to(
        self, account_id: str, pipeline_id: str
    ) -> list[ChannelConnectionSnapshot]:
        """The account's connected channels whose target is `pipeline_id`."""
        query = Query(
            (
                Eq("account_id", account_id),
                Eq("pipeline_id", pipeline_id),
                Eq("connected", True),
            ),
            limit=PAGE_SIZE,
        )
        return [
            ChannelConnectionSnapshot.model_validate(doc["snapshot"])
            async for doc in self._session.find_all(CHANNEL_CONNECTIONS, query)
        ]
