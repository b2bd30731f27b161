"""The update and archive handlers on in-memory stores: version checks, retries that never
lose a write, the property definition replica, access, and nothing written when refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, TypeVar

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import DocumentStore
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    Envelope,
    GranteeKind,
    Message,
    PipelineAccess,
    PipelineCreated,
    PropertyFieldType,
    PropertyType,
    TicketPropertyArchived,
    TicketPropertyDefined,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import (
    InvalidTicket,
    MissingStatusProperties,
    StaleTicket,
    TicketAccessDenied,
    TicketNotFound,
)
from ticketflow_ticket.domain.properties import PropertyDefinitionReplica
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.handlers.changes import (
    ArchiveTicket,
    UpdateTicket,
    archive_ticket,
    update_ticket,
)
from ticketflow_ticket.handlers.properties import apply_property_definition
from ticketflow_ticket.handlers.tickets import CreateTicket, GetTicket, create_ticket, get_ticket

from .builders import NOW, apply_pipeline_snapshot, definition, pipeline, placed

AGENT = Requester("agent")
P = TypeVar("P", bound=Message)
SECRET = PipelineAccess(
    restricted=True,
    grants=[
        AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="viewer", level=AccessLevel.VIEW)
    ],
)


def received(payload: P, account_id: str = "a1") -> Envelope[P]:
    return envelope_of(payload, account_id=account_id, occurred_at=NOW, producer="pipeline")


def request(account_id: str = "a1") -> MessageContext:
    return MessageContext.for_request(account_id, None)


async def replicate(uow: UnitOfWork, *replicas: PipelineReplica) -> None:
    for replica in replicas:
        event = PipelineCreated(revision=replica.revision, pipeline=replica.pipeline)
        await deliver(apply_pipeline_snapshot, uow, received(event, replica.account_id))


async def define(uow: UnitOfWork, replica: PropertyDefinitionReplica) -> None:
    kind = TicketPropertyArchived if replica.definition.archived else TicketPropertyDefined
    await deliver(
        apply_property_definition,
        uow,
        received(
            kind(revision=replica.revision, definition=replica.definition), replica.account_id
        ),
    )


async def ready(store: DocumentStore | None = None) -> UnitOfWork:
    store = store or MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=lambda: NOW)
    await replicate(uow, pipeline(), pipeline("secret", access=SECRET))
    await define(
        uow,
        definition(
            "severity", PropertyType.ENUMERATION, PropertyFieldType.SELECT, ("minor", "major")
        ),
    )
    await define(uow, definition("notes"))
    return uow


@pytest.fixture
async def uow() -> UnitOfWork:
    return await ready()


async def new_ticket(uow: UnitOfWork, pipeline_id: str = "p1") -> str:
    ticket = await create_ticket(
        CreateTicket(
            Requester("boss", is_super_admin=True),
            uuid.uuid4().hex,
            placed(pipeline_id, "new", {"subject": "Help"}),
        ),
        uow,
        request(),
    )
    return ticket.id


async def outbox(uow: UnitOfWork) -> list[tuple[str, dict[str, Any]]]:
    entries = await uow.store.outbox_entries()
    return [(e.message.routing_key, json.loads(e.message.body)["payload"]) for e in entries]


async def test_an_update_is_stored_and_its_events_are_in_the_outbox(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow)

    updated = await update_ticket(
        UpdateTicket(AGENT, ticket_id, {"hs_pipeline_stage": "done", "severity": "major"}, 1),
        uow,
        request(),
    )

    stored = await get_ticket(GetTicket(AGENT, ticket_id), uow, request())
    assert (stored.status_id, stored.values["severity"], stored.version) == ("done", "major", 2)
    assert updated.version == 2
    keys = [key for key, _ in await outbox(uow)]
    assert keys == ["ticket.created", "ticket.status_changed", "ticket.updated"]


async def test_a_stale_expected_version_is_refused_and_nothing_changes(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow)
    await update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "first"}), uow, request())

    with pytest.raises(StaleTicket, match="is at version 2, not 1"):
        await update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "late"}, 1), uow, request())

    assert (await get_ticket(GetTicket(AGENT, ticket_id), uow, request())).values[
        "notes"
    ] == "first"
    assert len(await outbox(uow)) == 2


async def test_concurrent_updates_without_a_version_are_retried_and_none_is_lost() -> None:
    """MongoDB's snapshot isolation: both read version 1, one commit conflicts and is run
    again on a fresh read."""
    uow = await ready(MemoryStore(snapshot_isolation=True))
    ticket_id = await new_ticket(uow)

    await asyncio.gather(
        update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "n"}), uow, request()),
        update_ticket(UpdateTicket(AGENT, ticket_id, {"severity": "minor"}), uow, request()),
        update_ticket(
            UpdateTicket(AGENT, ticket_id, {"hs_pipeline_stage": "waiting"}), uow, request()
        ),
    )

    ticket = await get_ticket(GetTicket(AGENT, ticket_id), uow, request())
    assert ticket.values["notes"] == "n"
    assert ticket.values["severity"] == "minor"
    assert ticket.status_id == "waiting"
    assert ticket.version == 4


async def test_a_concurrent_update_with_the_old_version_loses_with_a_stale_ticket() -> None:
    uow = await ready(MemoryStore(snapshot_isolation=True))
    ticket_id = await new_ticket(uow)

    results = await asyncio.gather(
        update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "a"}, 1), uow, request()),
        update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "b"}, 1), uow, request()),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["StaleTicket", "Ticket"]


async def test_the_property_definition_replica_converges_and_archived_properties_refuse_values(
    uow: UnitOfWork,
) -> None:
    ticket_id = await new_ticket(uow)
    newer = definition("notes", revision=3, archived=True)
    for replica in (newer, definition("notes", revision=2)):
        await define(uow, replica)

    with pytest.raises(InvalidTicket) as refused:
        await update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "x"}), uow, request())

    assert [(e.field, e.code) for e in refused.value.errors] == [("notes", "PROPERTY_DOESNT_EXIST")]
    message = received(TicketPropertyDefined(revision=1, definition=newer.definition))
    await deliver(apply_property_definition, uow, message)
    with pytest.raises(DuplicateMessage):
        await deliver(apply_property_definition, uow, message)


async def test_another_accounts_definitions_do_not_apply(uow: UnitOfWork) -> None:
    await define(uow, definition("theirs", account_id="a2"))
    ticket_id = await new_ticket(uow)

    with pytest.raises(InvalidTicket, match="'theirs' does not exist"):
        await update_ticket(UpdateTicket(AGENT, ticket_id, {"theirs": "x"}), uow, request())


async def test_missing_required_properties_leave_nothing_behind(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow)
    before = await outbox(uow)

    with pytest.raises(MissingStatusProperties):
        await update_ticket(
            UpdateTicket(AGENT, ticket_id, {"hs_pipeline_stage": "escalated"}), uow, request()
        )

    assert (await get_ticket(GetTicket(AGENT, ticket_id), uow, request())).version == 1
    assert await outbox(uow) == before


async def test_access_view_only_is_forbidden_and_no_access_is_not_found(uow: UnitOfWork) -> None:
    ticket_id = await new_ticket(uow, "secret")

    def change(requester: Requester) -> UpdateTicket:
        return UpdateTicket(requester, ticket_id, {"notes": "x"})

    with pytest.raises(TicketAccessDenied):
        await update_ticket(change(Requester("viewer")), uow, request())
    with pytest.raises(TicketNotFound):
        await update_ticket(change(Requester("stranger")), uow, request())
    with pytest.raises(TicketNotFound):
        await archive_ticket(ArchiveTicket(Requester("stranger"), ticket_id), uow, request())
    with pytest.raises(TicketNotFound):
        await update_ticket(change(Requester("boss", is_super_admin=True)), uow, request("a2"))


async def test_moving_into_a_pipeline_the_user_may_not_see_is_as_if_it_did_not_exist(
    uow: UnitOfWork,
) -> None:
    ticket_id = await new_ticket(uow)

    def move(requester: Requester) -> UpdateTicket:
        return UpdateTicket(
            requester, ticket_id, {"hs_pipeline": "secret", "hs_pipeline_stage": "new"}
        )

    with pytest.raises(InvalidTicket, match="pipeline 'secret' does not exist"):
        await update_ticket(move(AGENT), uow, request())
    with pytest.raises(TicketAccessDenied):
        await update_ticket(move(Requester("viewer")), uow, request())

    moved = await update_ticket(move(Requester("boss", is_super_admin=True)), uow, request())
    assert (moved.pipeline_id, moved.status_id) == ("secret", "new")


async def test_an_archived_ticket_is_found_only_when_asked_for_and_takes_no_update(
    uow: UnitOfWork,
) -> None:
    ticket_id = await new_ticket(uow)

    await archive_ticket(ArchiveTicket(AGENT, ticket_id), uow, request())
    await archive_ticket(ArchiveTicket(AGENT, ticket_id), uow, request())  # again: no effect

    with pytest.raises(TicketNotFound):
        await get_ticket(GetTicket(AGENT, ticket_id), uow, request())
    assert (await get_ticket(GetTicket(AGENT, ticket_id, archived=True), uow, request())).archived
    with pytest.raises(TicketNotFound):
        await update_ticket(UpdateTicket(AGENT, ticket_id, {"notes": "x"}), uow, request())
    assert [key for key, _ in await outbox(uow)] == ["ticket.created", "ticket.archived"]
