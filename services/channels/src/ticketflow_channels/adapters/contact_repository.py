"""Contacts <-> documents on the chassis store port: `<account_id>:<contact_id>`, the email's
key unique per account (the backstop for two senders' first messages at once)."""

from __future__ import annotations

from ticketflow_channels.domain.contacts import Contact, email_key
from ticketflow_chassis.store.port import Collection, Document, Eq, Index, Query, SortKey, scoped_id
from ticketflow_chassis.uow import Session
from ticketflow_contracts import ContactSnapshot

CONTACTS = "contacts"
CONTACT_COLLECTION = Collection(
    CONTACTS,
    (
        Index(("account_id", "email_key"), unique=True),
        Index(("account_id", "created_at")),
    ),
    field_types={"account_id": "string", "email_key": "string", "created_at": "string"},
)


def contact_to_doc(contact: Contact) -> Document:
    state = contact.state
    return {
        "id": scoped_id(contact.account_id, contact.id),
        "account_id": contact.account_id,
        "email_key": state.email,
        "created_at": state.created_at.isoformat(),
        "revision": contact.revision,
        "state": state.model_dump(mode="json"),
    }


def contact_from_doc(doc: Document) -> Contact:
    return Contact(
        account_id=doc["account_id"],
        state=ContactSnapshot.model_validate(doc["state"]),
        revision=doc["revision"],
        version=doc["version"],
    )


class ContactRepository:
    def __init__(self, session: Session):
        self._session = session

    async def save(self, contact: Contact) -> None:
        await self._session.save(CONTACTS, contact, contact_to_doc(contact))

    async def get(self, account_id: str, contact_id: str) -> Contact | None:
        doc = await self._session.get(CONTACTS, scoped_id(account_id, contact_id))
        return contact_from_doc(doc) if doc else None

    async def by_email(self, account_id: str, address: str) -> Contact | None:
        query = Query((Eq("account_id", account_id), Eq("email_key", email_key(address))), limit=1)
        page = await self._session.find(CONTACTS, query)
        return contact_from_doc(page.items[0]) if page.items else None

    async def page(
        self, account_id: str, *, limit: int, after: str | None
    ) -> tuple[list[Contact], str | None]:
        """Oldest first."""
        query = Query(
            (Eq("account_id", account_id),), (SortKey("created_at"),), limit=limit, after=after
        )
        page = await self._session.find(CONTACTS, query)
        return [contact_from_doc(doc) for doc in page.items], page.next_after
