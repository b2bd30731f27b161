"""The timeline routes (ticketflow extensions beside HubSpot's tickets API):
`GET /crm/v3/extensions/tickets/{ticketId}/timeline`, newest first, paged like HubSpot's lists,
and `POST /crm/v3/extensions/tickets/{ticketId}/notes` (`{"body": "..."}`), a note on it.

    {"results": [{"id": "…", "type": "STATUS_CHANGED", "occurredAt": "2026-…Z",
                  "ticketId": "…", "actor": {"type": "USER", "id": "u1"},
                  "details": {"fromStatusId": "1", "toStatusId": "2", …}}],
     "paging": {"next": {"after": "…", "link": "…"}}}
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_timeline_router) at definition time.

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import Field

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.domain.notes import MAX_NOTE_LENGTH
from ticketflow_ticket.domain.properties import timestamp
from ticketflow_ticket.domain.timeline import (
    PropertyChange,
    PropertyChanges,
    StatusChange,
    TimelineEntry,
)
from ticketflow_ticket.entrypoints.http.schemas import requester_of
from ticketflow_ticket.handlers import notes, timeline

MAX_PAGE = 100
DEFAULT_PAGE = 20


def build_timeline_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/extensions/tickets", tags=["timeline"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.get("/{ticket_id}/timeline")
    async def get_timeline(
        ticket_id: str,
        caller: Caller,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        after: Annotated[str | None, Query(min_length=1)] = None,
    ) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        command = timeline.ReadTimeline(requester_of(caller), ticket_id, limit, after)
        page = await timeline.read_timeline(command, uow, context)
        body: dict[str, Any] = {"results": [entry_json(e) for e in page.entries]}
        if page.after is not None:
            link = f"{router.prefix}/{ticket_id}/timeline?limit={limit}&after={page.after}"
            body["paging"] = {"next": {"after": page.after, "link": link}}
        return body

    @router.post(
        "/{ticket_id}/notes", status_code=status.HTTP_201_CREATED, responses=responses_for(403)
    )
    async def add_note(ticket_id: str, body: NoteInput, caller: Caller) -> dict[str, Any]:
        """A note on the ticket's timeline, by whoever may edit the ticket."""
        context = MessageContext.for_request(caller.account_id)
        added = await notes.add_note(
            notes.AddNote(requester_of(caller), ticket_id, body.body), uow, context
        )
        event = added.event
        return {
            "id": event.note_id,
            "ticketId": event.ticket_id,
            "body": event.body,
            "createdAt": timestamp(added.added_at),
            "createdBy": {"type": event.actor.kind.value.upper(), "id": event.actor.id},
        }

    return router


class NoteInput(CamelInput):
    body: str = Field(max_length=MAX_NOTE_LENGTH + 1024)


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    actor = entry.actor
    return {
        "id": entry.id,
        "type": entry.type.value,
        "occurredAt": timestamp(entry.occurred_at),
        "ticketId": entry.ticket_id,
        "actor": {"type": actor.kind.value.upper(), "id": actor.id} if actor else None,
        "details": _details_json(entry),
    }


def _details_json(entry: TimelineEntry) -> dict[str, Any]:
    details = entry.details
    if isinstance(details, PropertyChanges):
        return {"properties": [_change_json(c) for c in details.changes]}
    shown = {_camel(k): v for k, v in dataclasses.asdict(details).items()}
    if isinstance(details, StatusChange) and details.trigger is None:
        del shown["trigger"], shown["triggerMessageId"]  # a person's or automation's move
    return shown


def _change_json(change: PropertyChange) -> dict[str, str | None]:
    """`previousValue` only when the event said it (older events carry new values only)."""
    shown = {"name": change.name, "value": change.new_value}
    if change.old_value_known:
        shown["previousValue"] = change.old_value
    return shown


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
