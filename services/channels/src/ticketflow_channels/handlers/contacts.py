"""The account's contacts: found or made for an email sender (the ingestion of inbound mail
calls this in its unit of work), listed and read by any user of the account."""

from __future__ import annotations

from ticketflow_channels.adapters.contact_repository import ContactRepository
from ticketflow_channels.domain.contacts import Contact
from ticketflow_channels.domain.errors import ContactNotFound
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork


async def contact_for_email(
    session: Session, account_id: str, address: str, display_name: str | None
) -> Contact:
    """The account's contact with this address (its display name updated when the sender
    gave a new one), or a new one; saved, with its event, in the caller's unit of work."""
    contacts = ContactRepository(session)
    contact = await contacts.by_email(account_id, address)
    if contact is None:
        contact = Contact.from_email(numeric_id(), account_id, address, display_name, session.now)
    elif not contact.seen_as(display_name, session.now):
        return contact
    await contacts.save(contact)
    return contact


async def list_contacts(
    limit: int, after: str | None, uow: UnitOfWork, context: MessageContext
) -> tuple[list[Contact], str | None]:
    async with uow.read(context) as session:
        return await ContactRepository(session).page(context.account_id, limit=limit, after=after)


async def get_contact(contact_id: str, uow: UnitOfWork, context: MessageContext) -> Contact:
    async with uow.read(context) as session:
        contact = await ContactRepository(session).get(context.account_id, contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact
