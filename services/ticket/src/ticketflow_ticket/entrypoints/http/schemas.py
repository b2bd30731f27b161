"""HubSpot's request and response shapes for tickets, the caller as a Requester, and the
version headers (ETag out, If-Match in: a ticketflow extension, HubSpot has neither)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, Role
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError
from ticketflow_ticket.domain import idempotency
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.properties import timestamp
from ticketflow_ticket.domain.selection import property_selection

IF_MATCH = "If-Match"
ID_PROPERTY = "hs_object_id"
# HubSpot returns these with every object, whatever `properties=` selects.
ALWAYS_RETURNED = ("hs_object_id", "createdate", "hs_lastmodifieddate")
# What HubSpot's lists and search return of a ticket when `properties` selects nothing.
DEFAULT_PROPERTIES = (
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "subject",
)
# Creations take an Idempotency-Key (a ticketflow extension; HubSpot has none): a bad one is a
# 400 naming the header.
IdempotencyKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, min_length=1, max_length=idempotency.MAX_KEY_LENGTH),
]
REPLAYED = {"Idempotent-Replayed": "true"}
# A body cap: an account has far fewer properties (HubSpot allows 1,000 custom ones).
MAX_PROPERTIES = 1_100


class TicketInput(BaseModel):
    """HubSpot's SimplePublicObjectInput(ForCreate): property values are strings; null or ""
    clears one."""

    model_config = ConfigDict(extra="ignore")

    properties: dict[str, str | None] = Field(max_length=MAX_PROPERTIES)
    associations: list[dict[str, Any]] = Field(default_factory=list)


def selected(names: Iterable[str] | None) -> list[str] | None:
    """`properties=a,b&properties=c` -> [a, b, c]; None when nothing was selected."""
    return property_selection(names)


# `associations=` object types a ticket answers for, and HubSpot's association type of each
# (the SDK's AssociatedId: id and type). Others are ignored, as HubSpot ignores unknown ones.
ASSOCIATION_TYPES = {
    "contacts": "ticket_to_contact",
    "contact": "ticket_to_contact",
    "conversations": "ticket_to_conversation",
    "conversation": "ticket_to_conversation",
}


MAX_ASSOCIATION_TYPES = 20


def object_types(names: Iterable[str] | None) -> list[str]:
    """`associations=contacts,conversations&associations=x` -> the object types, at most 20
    (the rest ignored: there are only two a ticket answers for)."""
    split = (part for name in names or () for part in name.split(","))
    return [part.strip() for part in split if part.strip()][:MAX_ASSOCIATION_TYPES]


def associations_json(ticket: Ticket, object_types: Iterable[str]) -> dict[str, Any]:
    """HubSpot's `associations` of a SimplePublicObjectWithAssociations: per requested type
    that the ticket has, `{"results": [{"id", "type"}]}` (types it has none of are left out)."""
    held = {
        "ticket_to_contact": ticket.contact_id,
        "ticket_to_conversation": ticket.conversation_id,
    }
    shown: dict[str, Any] = {}
    for requested in object_types:
        name = requested.strip().lower()
        kind = ASSOCIATION_TYPES.get(name)
        object_id = held.get(kind) if kind else None
        if kind and object_id:
            key = name if name.endswith("s") else f"{name}s"
            shown[key] = {"results": [{"id": object_id, "type": kind}]}
    return shown


def ticket_json(
    ticket: Ticket,
    properties: list[str] | None = None,
    associations: Iterable[str] = (),
) -> dict[str, Any]:
    """HubSpot's SimplePublicObject: every property that has a value, or the selected ones
    (null when empty) plus those HubSpot always returns; with `associations` (object types),
    the ticket's associations of those types."""
    held = ticket.properties()
    if properties is None:
        shown: dict[str, str | None] = dict(held)
    else:
        shown = {name: held.get(name) for name in (*properties, *ALWAYS_RETURNED)}
    body: dict[str, Any] = {
        "id": ticket.id,
        "properties": shown,
        "createdAt": timestamp(ticket.created_at),
        "updatedAt": timestamp(ticket.updated_at),
        "archived": ticket.archived,
    }
    if ticket.archived_at is not None:
        body["archivedAt"] = timestamp(ticket.archived_at)
    linked = associations_json(ticket, associations)
    if linked:
        body["associations"] = linked
    return body


def etag(ticket: Ticket) -> dict[str, str]:
    return {"ETag": f'"{ticket.version}"'}


def expected_version(if_match: str | None) -> int | None:
    """`3`, `"3"` or `W/"3"` -> 3; None without the header."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        message = f"If-Match must be a ticket version as the ETag header gave it, not {if_match!r}"
        raise TicketflowError(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, IF_MATCH)]
        )
    return int(text)


def require_object_id(id_property: str | None) -> None:
    """Tickets are addressed by id; no other property is unique (yet)."""
    if id_property not in (None, ID_PROPERTY):
        message = f"idProperty may only be {ID_PROPERTY!r}; {id_property!r} is not unique"
        raise TicketflowError(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, "idProperty")]
        )


def requester_of(principal: Principal) -> Requester:
    return Requester(
        principal.user_id,
        principal.teams,
        is_super_admin=principal.is_super_admin,
        is_property_settings_editor=principal.has_role(Role.PROPERTY_SETTINGS_EDITOR),
    )
