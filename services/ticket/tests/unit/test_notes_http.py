"""POST /crm/v3/extensions/tickets/{id}/notes: a note on the ticket's timeline by whoever may
edit the ticket; a viewer is refused (403), a ticket one may not see or an archived one is
404, a blank or oversized body 400 naming `body`; refusals record nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.notes import MAX_NOTE_LENGTH
from ticketflow_ticket.entrypoints.http import build_api_router, build_timeline_router
from ticketflow_ticket.handlers.timeline import project_own_event

from .builders import pipeline
from .queries_support import TOKENS, http_client
from .test_timeline_handlers import SECRET, replicate, ticking_clock
from .test_timeline_http import ADMIN, TICKETS, bearer, timeline


def notes_url(ticket_id: str) -> str:
    return f"/crm/v3/extensions/tickets/{ticket_id}/notes"


@pytest.fixture
async def uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=ticking_clock())
    uow.project_with(project_own_event)  # as the app does: own events' entries in the unit
    await replicate(uow, pipeline(), pipeline("secret", access=SECRET))
    return uow


@pytest.fixture
async def client(uow: UnitOfWork) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(
        uow, build_api_router(uow, TOKENS), build_timeline_router(uow, TOKENS)
    ) as client:
        yield client


async def new_ticket(client: httpx.AsyncClient, pipeline_id: str = "p1") -> str:
    body = {"properties": {"hs_pipeline": pipeline_id, "hs_pipeline_stage": "new", "subject": "A"}}
    response = await client.post(TICKETS, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def note_events(uow: UnitOfWork) -> list[dict[str, object]]:
    bodies = [json.loads(e.message.body) for e in await uow.store.outbox_entries()]
    return [b for b in bodies if b["type"] == "ticket.note_added"]


async def test_a_note_is_on_the_timeline_with_its_author_and_published(
    client: httpx.AsyncClient, uow: UnitOfWork
) -> None:
    ticket_id = await new_ticket(client)

    added = await client.post(
        notes_url(ticket_id), json={"body": "  Called the customer back.  "}, headers=bearer("ada")
    )
    entries = (await timeline(client, ticket_id)).json()["results"]

    assert added.status_code == 201, added.text
    note = added.json()
    assert (note["ticketId"], note["body"], note["createdBy"]) == (
        ticket_id,
        "Called the customer back.",
        {"type": "USER", "id": "ada"},
    )
    assert entries[0]["type"] == "NOTE_ADDED"
    assert entries[0]["details"] == {"noteId": note["id"], "body": "Called the customer back."}
    assert entries[0]["actor"] == {"type": "USER", "id": "ada"}
    [event] = await note_events(uow)
    assert event["payload"]["note_id"] == note["id"]  # type: ignore[index]


async def test_refused_notes_record_nothing(client: httpx.AsyncClient, uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(client)
    hidden = await new_ticket(client, "secret")
    archived = await new_ticket(client)
    assert (await client.delete(f"{TICKETS}/{archived}", headers=ADMIN)).status_code == 204
    viewer = bearer("viewer", admin=False)

    answers = [
        await client.post(notes_url(ticket_id), json={"body": "   "}, headers=ADMIN),
        await client.post(
            notes_url(ticket_id), json={"body": "x" * (MAX_NOTE_LENGTH + 1)}, headers=ADMIN
        ),
        await client.post(notes_url(ticket_id), json={"text": "typo"}, headers=ADMIN),
        await client.post(
            notes_url(hidden), json={"body": "hi"}, headers=bearer("other", admin=False)
        ),
        await client.post(notes_url(hidden), json={"body": "hi"}, headers=viewer),
        await client.post(notes_url(archived), json={"body": "hi"}, headers=ADMIN),
        await client.post(notes_url("404404"), json={"body": "hi"}, headers=ADMIN),
        await client.post(
            notes_url(ticket_id), json={"body": "hi"}, headers=bearer(account_id="a2")
        ),
        await client.post(notes_url(ticket_id), json={"body": "hi"}),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 404, 403, 404, 404, 404, 401]
    assert [e["in"] for e in answers[0].json()["errors"]] == ["body"]
    assert await note_events(uow) == []
