"""What the ticket service keeps of channels <-> documents on the chassis store port:

- `channel_connections` `<account_id>:<connection_id>`: the replica of the channels
  service's connections, applied only when newer (chassis `SnapshotReplicas`);
- `conversation_tickets` `<account_id>:<thread_id>`: the ticket a conversation got, written
  once (expected version None) in the unit of work that creates the ticket, so of two
  instances creating it at once one conflicts, and its retry finds the other's ticket.
"""

from __future__ import annotations

from ticketflow_chassis.replica import SnapshotReplicas
from ticketflow_chassis.store.port import Collection, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import ChannelConnectionSnapshot

CHANNEL_CONNECTIONS = "channel_connections"
CONVERSATION_TICKETS = "conversation_tickets"
CHANNEL_COLLECTIONS = (Collection(CHANNEL_CONNECTIONS), Collection(CONVERSATION_TICKETS))


def connection_replicas(session: Session) -> SnapshotReplicas[ChannelConnectionSnapshot]:
    return SnapshotReplicas(
        session, CHANNEL_CONNECTIONS, ChannelConnectionSnapshot, id_field="connection_id"
    )


class ConversationTickets:
    def __init__(self, session: Session):
        self._session = session

    async def ticket_of(self, account_id: str, thread_id: str) -> str | None:
        doc = await self._session.get(CONVERSATION_TICKETS, scoped_id(account_id, thread_id))
        return doc["ticket_id"] if doc else None

    async def link(self, account_id: str, thread_id: str, ticket_id: str) -> None:
        """Raises the store's ConflictError when the conversation has its ticket already."""
        doc = {
            "id": scoped_id(account_id, thread_id),
            "account_id": account_id,
            "thread_id": thread_id,
            "ticket_id": ticket_id,
        }
        await self._session.put(CONVERSATION_TICKETS, doc, expected_version=None)
