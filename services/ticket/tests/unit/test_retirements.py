"""The ticket side of the retirement saga on real store adapters: refuse, close, move, once;
and no ticket ever lands in a closed pipeline, however creations and the closing interleave."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.port import ConflictError, DocumentStore
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import deliver, envelope_of, pipeline_snapshot
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    CloseStatuses,
    Envelope,
    Message,
    PipelineCreated,
    TicketState,
)
from ticketflow_ticket.adapters.repository import COLLECTIONS, TicketRepository
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.handlers.retirements import close_statuses
from ticketflow_ticket.handlers.tickets import CreateTicket, GetTicket, create_ticket, get_ticket

from .builders import apply_pipeline_snapshot, placed

ADMIN = Requester("u1", is_super_admin=True)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACCOUNT, PIPELINE = "a1", "p1"
STATUSES = {"new": TicketState.OPEN, "waiting": TicketState.OPEN, "done": TicketState.CLOSED}
CLOSED, REFUSED = "ticket.statuses_closed", "ticket.statuses_close_refused"
P = TypeVar("P", bound=Message)


def request() -> MessageContext:
    return MessageContext.for_request(ACCOUNT, None)


def received(payload: P) -> Envelope[P]:
    return envelope_of(payload, account_id=ACCOUNT, occurred_at=NOW, producer="pipeline")


def close_command(
    *status_ids: str, whole_pipeline: bool = False, move_to: str | None = None
) -> Envelope[CloseStatuses]:
    return received(
        CloseStatuses(
            retirement_id=str(uuid.uuid4()),
            pipeline_id=PIPELINE,
            status_ids=list(status_ids),
            whole_pipeline=whole_pipeline,
            move_to_status_id=move_to,
        )
    )


def delete_pipeline() -> Envelope[CloseStatuses]:
    return close_command(*STATUSES, whole_pipeline=True)


async def ready(store: DocumentStore) -> UnitOfWork:
    """The store opened, and the replica holding pipeline p1 (new, waiting, done)."""
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket", clock=lambda: NOW)
    snapshot = pipeline_snapshot(PIPELINE, STATUSES, label="Support", at=NOW)
    await deliver(
        apply_pipeline_snapshot, uow, received(PipelineCreated(revision=1, pipeline=snapshot))
    )
    return uow


@pytest.fixture
async def uow() -> UnitOfWork:
    return await ready(MemoryStore())


async def new_ticket(uow: UnitOfWork, status_id: str | None = "new") -> Ticket:
    return await create_ticket(
        CreateTicket(ADMIN, uuid.uuid4().hex, placed(PIPELINE, status_id, {"subject": "Help"})),
        uow,
        request(),
    )


async def answers(uow: UnitOfWork) -> list[tuple[str, dict[str, Any]]]:
    """The saga answers in the outbox: (routing key, payload)."""
    entries = await uow.store.outbox_entries()
    return [
        (e.message.routing_key, json.loads(e.message.body)["payload"])
        for e in entries
        if e.message.routing_key in (CLOSED, REFUSED)
    ]


async def live_tickets(uow: UnitOfWork, *status_ids: str) -> int:
    async with uow.begin(request()) as session:
        return await TicketRepository(session).count_live(
            ACCOUNT, PIPELINE, list(status_ids) if status_ids else None
        )


async def gate_of(uow: UnitOfWork) -> PipelineGate:
    async with uow.begin(request()) as session:
        return await TicketRepository(session).gate(ACCOUNT, PIPELINE)


# -- the three answers -------------------------------------------------------------------


async def test_statuses_holding_tickets_without_a_target_are_refused_and_stay_open(
    uow: UnitOfWork,
) -> None:
    await new_ticket(uow)
    await new_ticket(uow)

    await deliver(close_statuses, uow, delete_pipeline())

    [(key, answer)] = await answers(uow)
    assert (key, answer["ticket_count"]) == (REFUSED, 2)
    assert (await gate_of(uow)).admits("new")
    assert (await new_ticket(uow)).status_id == "new"


async def test_an_empty_pipeline_closes_and_then_takes_no_ticket_naming_the_pipeline(
    uow: UnitOfWork,
) -> None:
    await deliver(close_statuses, uow, delete_pipeline())

    [(key, answer)] = await answers(uow)
    assert (key, answer["moved_ticket_count"]) == (CLOSED, 0)
    with pytest.raises(InvalidTicket) as refused:
        await new_ticket(uow, status_id=None)
    assert refused.value.errors[0].field == "hs_pipeline"
    assert await live_tickets(uow) == 0


async def test_a_status_with_a_target_has_its_tickets_moved_there_and_closes(
    uow: UnitOfWork,
) -> None:
    moving = [await new_ticket(uow) for _ in range(3)]
    staying = await new_ticket(uow, "done")

    await deliver(close_statuses, uow, close_command("new", move_to="waiting"))

    [(key, answer)] = await answers(uow)
    assert (key, answer["moved_ticket_count"]) == (CLOSED, 3)
    for ticket in moving:
        assert (
            await get_ticket(GetTicket(ADMIN, ticket.id), uow, request())
        ).status_id == "waiting"
    assert (await get_ticket(GetTicket(ADMIN, staying.id), uow, request())).status_id == "done"
    assert await live_tickets(uow, "new") == 0
    with pytest.raises(InvalidTicket) as refused:
        await new_ticket(uow, "new")
    assert refused.value.errors[0].field == "hs_pipeline_stage"
    assert (await new_ticket(uow, status_id=None)).status_id == "waiting"


async def test_each_moved_ticket_records_a_status_change_by_the_retirement(
    uow: UnitOfWork,
) -> None:
    ticket = await new_ticket(uow)

    await deliver(close_statuses, uow, close_command("new", move_to="done"))

    entries = await uow.store.outbox_entries()
    [changed] = [
        json.loads(e.message.body)["payload"]
        for e in entries
        if e.message.routing_key == "ticket.status_changed"
    ]
    assert (changed["ticket_id"], changed["from_status_id"], changed["to_status_id"]) == (
        ticket.id,
        "new",
        "done",
    )
    assert changed["actor"] == {"kind": "automation", "id": "pipeline-retirement"}
    assert (await get_ticket(GetTicket(ADMIN, ticket.id), uow, request())).closed_at == NOW


async def test_a_redelivered_close_command_has_no_second_effect(uow: UnitOfWork) -> None:
    ticket = await new_ticket(uow)
    command = close_command("new", move_to="waiting")
    await deliver(close_statuses, uow, command)
    moved = await get_ticket(GetTicket(ADMIN, ticket.id), uow, request())

    with pytest.raises(DuplicateMessage):
        await deliver(close_statuses, uow, command)

    assert len(await answers(uow)) == 1
    assert (await get_ticket(GetTicket(ADMIN, ticket.id), uow, request())).version == moved.version


async def test_a_gate_left_closed_stays_closed_when_a_later_closing_is_refused(
    uow: UnitOfWork,
) -> None:
    await deliver(close_statuses, uow, close_command("waiting"))
    await new_ticket(uow)

    await deliver(close_statuses, uow, close_command("new", "waiting"))

    assert [key for key, _ in await answers(uow)] == [CLOSED, REFUSED]
    assert (await gate_of(uow)).closed_status_ids == frozenset({"waiting"})


# -- races ---------------------------------------------------------------------------------


async def race(
    creators: list[UnitOfWork], closer: UnitOfWork, creations: int, closing_delay: float
) -> tuple[list[Ticket | BaseException], str]:
    """`creations` ticket creations spread over `creators`, and one pipeline deletion on
    `closer`; a negative `closing_delay` delays the creations instead. A closing that
    loses its race is redelivered, as RabbitMQ would."""

    async def close_later() -> str:
        await asyncio.sleep(max(closing_delay, 0))
        command = delete_pipeline()
        for _ in range(10):
            try:
                await deliver(close_statuses, closer, command)
            except ConflictError:
                continue
            [(key, _)] = await answers(closer)
            return key
        raise AssertionError("the closing lost ten deliveries in a row")

    async def create_later(creator: UnitOfWork) -> Ticket:
        await asyncio.sleep(max(-closing_delay, 0))
        return await new_ticket(creator)

    results = await asyncio.gather(
        close_later(),
        *(create_later(creators[i % len(creators)]) for i in range(creations)),
        return_exceptions=True,
    )
    outcome = results.pop(0)
    assert isinstance(outcome, str), outcome
    return results, outcome


def assert_no_ticket_in_a_closed_pipeline(
    results: list[Ticket | BaseException], outcome: str, tickets_in_pipeline: int
) -> None:
    created = [r for r in results if isinstance(r, Ticket)]
    unexpected = [r for r in results if not isinstance(r, Ticket | InvalidTicket | ConflictError)]
    assert not unexpected, unexpected
    assert tickets_in_pipeline == len(created)
    if outcome == CLOSED:
        assert created == []
    else:
        assert outcome == REFUSED
        assert created


async def test_racing_creations_and_a_deletion_under_snapshot_isolation_never_strand_a_ticket() -> (
    None
):
    """MongoDB's isolation: every transaction reads its own snapshot, so only the gate's
    write conflict stops a creation from committing beside the closing."""
    outcomes = set()
    for closing_delay in (-0.001, 0.0, 0.0, 0.01):
        uow = await ready(MemoryStore(snapshot_isolation=True))
        results, outcome = await race([uow], uow, creations=30, closing_delay=closing_delay)
        assert_no_ticket_in_a_closed_pipeline(results, outcome, await live_tickets(uow))
        outcomes.add(outcome)
    assert outcomes == {CLOSED, REFUSED}  # both sides of the race were exercised


async def test_concurrent_creations_on_two_instances_and_a_deletion_on_sqlite_never_strand_a_ticket(
    tmp_path: Path,
) -> None:
    outcomes = set()
    for round_, closing_delay in enumerate((-0.01, 0.0, 0.02)):
        path = tmp_path / f"round-{round_}.sqlite3"
        first, second = SqliteStore(path), SqliteStore(path)
        try:
            uow_a, uow_b = await ready(first), await ready(second)
            results, outcome = await race([uow_a, uow_b], uow_b, 30, closing_delay)
            assert_no_ticket_in_a_closed_pipeline(results, outcome, await live_tickets(uow_a))
            outcomes.add(outcome)
        finally:
            await first.close()
            await second.close()
    assert outcomes == {CLOSED, REFUSED}


async def test_a_creation_that_loses_the_gate_to_another_is_retried_and_both_are_admitted() -> None:
    uow = await ready(MemoryStore(snapshot_isolation=True))

    first, second = await asyncio.gather(new_ticket(uow), new_ticket(uow))

    assert {first.status_id, second.status_id} == {"new"}
    assert await live_tickets(uow) == 2
    assert (await gate_of(uow)).admissions == 2
