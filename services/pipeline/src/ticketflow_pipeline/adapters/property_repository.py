"""Custom ticket property definitions <-> documents on the chassis store port (built-ins are
never stored). Document id `<account_id>:<name>`; archived definitions stay, keeping the name."""

from __future__ import annotations

from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import TicketPropertySnapshot
from ticketflow_pipeline.domain.properties import PropertyDefinition

TICKET_PROPERTIES = "ticket_properties"
PROPERTY_COLLECTION = Collection(
    TICKET_PROPERTIES,
    (Index(("account_id", "archived", "name")),),
    field_types={"account_id": "string", "archived": "boolean", "name": "string"},
)
PAGE_SIZE = 500


def property_to_doc(definition: PropertyDefinition) -> Document:
    return {
        "id": scoped_id(definition.account_id, definition.name),
        "account_id": definition.account_id,
        "name": definition.name,
        "archived": definition.archived,
        "revision": definition.revision,
        "state": definition.state.model_dump(mode="json"),
    }


def property_from_doc(doc: Document) -> PropertyDefinition:
    return PropertyDefinition(
        account_id=doc["account_id"],
        state=TicketPropertySnapshot.model_validate(doc["state"]),
        revision=doc["revision"],
        version=doc["version"],
    )


class PropertyRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, name: str) -> PropertyDefinition | None:
        """The stored custom definition, archived or not."""
        doc = await self._session.get(TICKET_PROPERTIES, scoped_id(account_id, name))
        return property_from_doc(doc) if doc else None

    async def all(self, account_id: str, *, archived: bool) -> list[PropertyDefinition]:
        """The account's custom definitions, live or archived, by name."""
        query = Query(
            (Eq("account_id", account_id), Eq("archived", archived)),
            (SortKey("name"),),
            limit=PAGE_SIZE,
        )
        found = self._session.find_all(TICKET_PROPERTIES, query)
        return [property_from_doc(doc) async for doc in found]

    async def count_live(self, account_id: str) -> int:
        filters = (Eq("account_id", account_id), Eq("archived", False))
        return await self._session.count(TICKET_PROPERTIES, filters)

    async def save(self, definition: PropertyDefinition) -> None:
        """Insert a new definition or replace it at the version it was read at; record its
        events in the same transaction."""
        await self._session.save(TICKET_PROPERTIES, definition, property_to_doc(definition))

    async def hold(self, definition: PropertyDefinition) -> None:
        """Rewrite the definition unchanged at the version it was read at. A status that starts
        listing it does this, so that an archive committing concurrently conflicts (one of the
        two is refused) instead of leaving a status that lists an archived property."""
        if definition.built_in:
            return
        stored = await self._session.put(
            TICKET_PROPERTIES, property_to_doc(definition), expected_version=definition.version
        )
        definition.version = stored["version"]
