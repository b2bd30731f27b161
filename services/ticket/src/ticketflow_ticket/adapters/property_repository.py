"""The replica of the account's custom ticket property definitions <-> documents
(`<account>:<name>`), applied only when newer (chassis `apply_if_newer`)."""

from __future__ import annotations

from collections.abc import Iterable

from ticketflow_chassis.replica import apply_if_newer
from ticketflow_chassis.store.port import Collection, Document, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import TicketPropertySnapshot
from ticketflow_ticket.domain.properties import BUILT_INS, READ_ONLY, PropertyDefinitionReplica

PROPERTY_DEFINITIONS = "property_definitions"
# Read by id only (the names a write carries); listing them is the pipeline service's job.
COLLECTION = Collection(PROPERTY_DEFINITIONS)


def definition_to_doc(replica: PropertyDefinitionReplica) -> Document:
    return {
        "id": scoped_id(replica.account_id, replica.definition.name),
        "account_id": replica.account_id,
        "name": replica.definition.name,
        "definition": replica.definition.model_dump(mode="json"),
    }


def definition_from_doc(doc: Document) -> PropertyDefinitionReplica:
    return PropertyDefinitionReplica(
        doc["account_id"],
        doc["revision"],
        TicketPropertySnapshot.model_validate(doc["definition"]),
    )


class PropertyDefinitionRepository:
    def __init__(self, session: Session):
        self._session = session

    async def definitions(
        self, account_id: str, names: Iterable[str]
    ) -> dict[str, PropertyDefinitionReplica]:
        """The held definitions of those `names` that are custom (built-ins need none)."""
        found: dict[str, PropertyDefinitionReplica] = {}
        for name in sorted(set(names) - BUILT_INS.keys() - READ_ONLY):
            doc = await self._session.get(PROPERTY_DEFINITIONS, scoped_id(account_id, name))
            if doc is not None:
                found[name] = definition_from_doc(doc)
        return found

    async def save(self, replica: PropertyDefinitionReplica) -> bool:
        """Store the definition if it is newer than the one held; False when it was not."""
        return await apply_if_newer(
            self._session, PROPERTY_DEFINITIONS, definition_to_doc(replica), replica.revision
        )
