"""`/channels/v1/contacts`: the account's contacts, for any user of the account."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ticketflow_channels.domain.contacts import Contact
from ticketflow_channels.handlers import contacts
from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import timestamp
from ticketflow_chassis.uow import MessageContext, UnitOfWork

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_contacts_router) at definition time.

MAX_PAGE = 100


def contact_json(contact: Contact) -> dict[str, Any]:
    state = contact.state
    return {
        "id": state.id,
        "email": state.email,
        "displayName": state.display_name,
        "createdAt": timestamp(state.created_at),
        "updatedAt": timestamp(state.updated_at),
    }


def build_contacts_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/channels/v1/contacts", tags=["contacts"])
    Caller = Annotated[Principal, Depends(caller)]

    @router.get("", responses=responses_for(400))
    async def list_contacts(
        principal: Caller,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any]:
        """The account's contacts, oldest first, a page at a time (`paging.next.after`)."""
        context = MessageContext.for_request(principal.account_id)
        found, next_after = await contacts.list_contacts(limit, after, uow, context)
        body: dict[str, Any] = {"results": [contact_json(c) for c in found]}
        if next_after is not None:
            body["paging"] = {"next": {"after": next_after}}
        return body

    @router.get("/{contact_id}", responses=responses_for(404))
    async def get_contact(contact_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        return contact_json(await contacts.get_contact(contact_id, uow, context))

    return router
