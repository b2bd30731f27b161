"""Changing a ticket: property updates, status changes (within and across pipelines), the
close clock, the events recorded, archiving; everything refused leaves the ticket as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticketflow_contracts import ActorKind, PipelineRules, TicketState
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket, MissingStatusProperties
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Entry, Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica

from .builders import DEFINITIONS, NOW, pipeline

AGENT = Requester("agent")
LATER = NOW + timedelta(hours=2)
SUPPORT = pipeline()
BILLING = pipeline("p2", {"inbox": (TicketState.OPEN, ()), "paid": (TicketState.CLOSED, ())})


def new_ticket(replica: PipelineReplica = SUPPORT, status_id: str = "new") -> Ticket:
    ticket = Ticket.create(
        ticket_id="t1",
        account_id="a1",
        pipeline=replica,
        gate=PipelineGate("a1", replica.pipeline.id),
        pipeline_id=replica.pipeline.id,
        status_id=status_id,
        values={"subject": "Help", "source_type": "CHAT"},
        definitions=DEFINITIONS,
        requester=AGENT,
        now=NOW,
    )
    ticket.events.clear()
    ticket.version = 1
    return ticket


def update(
    ticket: Ticket,
    changes: dict[str, str | None],
    *,
    requester: Requester = AGENT,
    into: PipelineReplica | None = SUPPORT,
    gate: PipelineGate | None = None,
) -> bool:
    """`into` is the pipeline a status change enters (ignored when there is none)."""
    move = ticket.requested_move(changes)
    entry = None
    if move is not None:
        entry = Entry(into, gate or PipelineGate("a1", move[0]))
    return ticket.update(
        changes, definitions=DEFINITIONS, requester=requester, now=LATER, entry=entry
    )


def test_changed_properties_are_recorded_with_their_new_values_and_the_actor() -> None:
    ticket = new_ticket()

    assert update(ticket, {"subject": "Printer on fire", "severity": "major", "content": ""})

    [event] = ticket.events
    assert event.routing_key() == "ticket.updated.chat"
    assert event.model_dump(include={"properties", "actor"}) == {
        "properties": {"severity": "major", "subject": "Printer on fire"},
        "actor": {"kind": ActorKind.USER, "id": "agent"},
    }
    assert ticket.updated_at == LATER


def test_an_update_that_changes_nothing_records_nothing() -> None:
    ticket = new_ticket()

    assert not update(ticket, {"subject": "Help", "hs_pipeline_stage": "new"})

    assert ticket.events == []
    assert ticket.updated_at == NOW


def test_closing_a_ticket_sets_close_date_and_time_to_close_and_records_the_change() -> None:
    ticket = new_ticket()
    gate = PipelineGate("a1", "p1")

    update(ticket, {"hs_pipeline_stage": "done"}, gate=gate)

    props = ticket.properties()
    assert (props["closed_date"], props["time_to_close"], props["hs_is_closed"]) == (
        "2026-11-25T14:00:00.000Z",
        str(2 * 3600 * 1000),
        "true",
    )
    [event] = ticket.events
    assert event.routing_key() == "ticket.status_changed.chat"
    assert event.model_dump(exclude={"ticket_id", "source_type", "changed_at"}) == {
        "pipeline_id": "p1",
        "from_pipeline_id": None,
        "from_status_id": "new",
        "from_state": TicketState.OPEN,
        "to_status_id": "done",
        "to_state": TicketState.CLOSED,
        "actor": {"kind": ActorKind.USER, "id": "agent"},
        "cause": None,  # a person's move: no trigger fired it
    }
    assert gate.admissions == 1


def test_reopening_clears_close_date_and_time_to_close() -> None:
    ticket = new_ticket(status_id="done")
    assert ticket.properties()["time_to_close"] == "0"

    update(ticket, {"hs_pipeline_stage": "waiting"})

    assert "closed_date" not in ticket.properties()
    assert "time_to_close" not in ticket.properties()
    assert ticket.properties()["hs_is_closed"] == "false"


def test_a_move_to_another_pipeline_names_the_pipeline_it_left_and_ignores_ordering_rules() -> None:
    ticket = new_ticket(status_id="waiting")
    strict = pipeline(
        "p2", {"inbox": (TicketState.OPEN, ())}, rules=PipelineRules(forbid_backwards=True)
    )

    update(ticket, {"hs_pipeline": "p2", "hs_pipeline_stage": "inbox"}, into=strict)

    assert (ticket.pipeline_id, ticket.status_id) == ("p2", "inbox")
    [event] = ticket.events
    assert event.model_dump(include={"pipeline_id", "from_pipeline_id"}) == {
        "pipeline_id": "p2",
        "from_pipeline_id": "p1",
    }


def test_a_property_change_with_a_status_change_records_both_in_the_new_status() -> None:
    ticket = new_ticket()

    update(
        ticket,
        {"hs_pipeline_stage": "escalated", "hs_ticket_priority": "HIGH", "severity": "minor"},
    )

    changed, updated = ticket.events
    assert changed.message_type() == "ticket.status_changed"
    assert updated.model_dump(include={"status_id", "properties"}) == {
        "status_id": "escalated",
        "properties": {"hs_ticket_priority": "HIGH", "severity": "minor"},
    }


@pytest.mark.parametrize(
    ("changes", "into", "field"),
    [
        ({"hs_pipeline_stage": "nope"}, SUPPORT, "hs_pipeline_stage"),
        ({"hs_pipeline": "p2", "hs_pipeline_stage": "new"}, BILLING, "hs_pipeline_stage"),
        ({"hs_pipeline": "p9", "hs_pipeline_stage": "x"}, None, "hs_pipeline"),
        ({"hs_pipeline": "p2"}, BILLING, "hs_pipeline_stage"),
        ({"hs_pipeline_stage": ""}, SUPPORT, "hs_pipeline_stage"),
        ({"hs_pipeline_stage": "done", "seats": "many"}, SUPPORT, "seats"),
        ({"hs_pipeline_stage": "done", "hs_is_closed": "true"}, SUPPORT, "hs_is_closed"),
    ],
)
def test_a_refused_change_names_the_field_and_leaves_the_ticket_and_gate_as_they_were(
    changes: dict[str, str | None], into: PipelineReplica | None, field: str
) -> None:
    ticket = new_ticket()
    before = Ticket(**{k: v for k, v in vars(ticket).items() if k != "events"})
    gate = PipelineGate("a1", into.pipeline.id if into else "p9")

    with pytest.raises(InvalidTicket) as refused:
        update(ticket, changes, into=into, gate=gate)

    assert field in [e.field for e in refused.value.errors]
    assert ticket == before
    assert ticket.events == []
    assert gate.admissions == 0


def test_entering_a_status_without_its_required_properties_is_unprocessable() -> None:
    ticket = new_ticket()

    with pytest.raises(MissingStatusProperties) as refused:
        update(ticket, {"hs_pipeline_stage": "escalated", "severity": "major"})

    assert [e.field for e in refused.value.errors] == ["hs_ticket_priority"]
    assert ticket.status_id == "new"
    assert "severity" not in ticket.values


def test_a_status_the_gate_closed_takes_no_ticket() -> None:
    ticket = new_ticket()
    gate = PipelineGate("a1", "p1", closed_status_ids=frozenset({"waiting"}))

    with pytest.raises(InvalidTicket, match="being deleted"):
        update(ticket, {"hs_pipeline_stage": "waiting"}, gate=gate)


def test_pipeline_rules_bind_agents_on_update() -> None:
    strict = pipeline(rules=PipelineRules(forbid_skipping=True))
    ticket = new_ticket(strict)

    with pytest.raises(InvalidTicket, match="skip"):
        update(ticket, {"hs_pipeline_stage": "done"}, into=strict)
    update(
        ticket,
        {"hs_pipeline_stage": "done"},
        into=strict,
        requester=Requester("b", is_super_admin=True),
    )
    assert ticket.status_id == "done"


def test_a_retirement_move_records_a_status_change_by_automation() -> None:
    ticket = new_ticket()

    ticket.move_to(SUPPORT, "escalated", PipelineGate("a1", "p1"), LATER, Requester.automation("x"))

    [event] = ticket.events
    assert event.model_dump(include={"to_status_id", "actor"}) == {
        "to_status_id": "escalated",
        "actor": {"kind": ActorKind.AUTOMATION, "id": "x"},
    }


def test_archiving_records_it_once() -> None:
    ticket = new_ticket()

    assert ticket.archive(AGENT, LATER)
    assert not ticket.archive(AGENT, LATER)

    [event] = ticket.events
    assert event.routing_key() == "ticket.archived.chat"
    assert (ticket.archived, ticket.archived_at) == (True, LATER)


def test_a_ticket_created_into_a_closed_status_is_closed_at_once() -> None:
    props = new_ticket(status_id="done").properties()
    assert (props["hs_is_closed"], props["closed_date"]) == ("true", "2026-11-25T12:00:00.000Z")
