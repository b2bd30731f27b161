"""Ticket creation rules and the pipeline replica, without fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import (
    PipelineSnapshot,
    SourceType,
    StatusProperty,
    StatusSnapshot,
    TicketCreated,
    TicketState,
)
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket, MissingStatusProperties
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USER = Requester("u1")


def replica(revision: int = 1, *, archived: bool = False) -> PipelineReplica:
    statuses = [
        StatusSnapshot(
            id="1",
            label="New",
            display_order=1,
            ticket_state=TicketState.OPEN,
            created_at=NOW,
            updated_at=NOW,
        ),
        StatusSnapshot(
            id="0",
            label="Triage",
            display_order=0,
            ticket_state=TicketState.OPEN,
            created_at=NOW,
            updated_at=NOW,
        ),
        StatusSnapshot(
            id="4",
            label="Closed",
            display_order=2,
            ticket_state=TicketState.CLOSED,
            created_at=NOW,
            updated_at=NOW,
        ),
    ]
    snapshot = PipelineSnapshot(
        id="default",
        label="Support pipeline",
        display_order=0,
        archived=archived,
        statuses=statuses,
        created_at=NOW,
        updated_at=NOW,
    )
    return PipelineReplica("a1", revision, snapshot)


def create(
    pipeline: PipelineReplica | None,
    *,
    gate: PipelineGate | None = None,
    status_id: str | None = "1",
    requester: Requester = USER,
    **values: str | None,
) -> Ticket:
    return Ticket.create(
        ticket_id="t1",
        account_id="a1",
        pipeline=pipeline,
        gate=gate or PipelineGate("a1", "default"),
        pipeline_id="default",
        status_id=status_id,
        values={"subject": "Printer on fire", **values},
        definitions={},
        requester=requester,
        now=NOW,
    )


def test_a_new_ticket_records_ticket_created_in_its_status() -> None:
    ticket = create(replica(), source_type="CHAT")

    [event] = ticket.events
    assert event.message_type() == "ticket.created"
    assert event.routing_key() == "ticket.created.chat"
    assert ticket.status_id == "1"
    assert ticket.source_type is SourceType.CHAT


def test_without_a_status_the_ticket_enters_the_first_open_status() -> None:
    assert create(replica(), status_id=None).status_id == "0"


def test_a_status_of_another_pipeline_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidTicket) as refused:
        create(replica(), status_id="99")
    assert refused.value.errors[0].field == "hs_pipeline_stage"


@pytest.mark.parametrize("pipeline", [None, replica(archived=True)])
def test_an_unknown_or_deleted_pipeline_takes_no_ticket(pipeline: PipelineReplica | None) -> None:
    with pytest.raises(InvalidTicket) as refused:
        create(pipeline)
    assert refused.value.errors[0].field == "hs_pipeline"


def test_an_unknown_priority_or_source_is_refused() -> None:
    with pytest.raises(InvalidTicket, match="hs_ticket_priority"):
        create(replica(), hs_ticket_priority="SOON")
    with pytest.raises(InvalidTicket, match="source_type"):
        create(replica(), source_type="PIGEON")


def test_a_new_ticket_is_admissions_through_its_pipelines_gate() -> None:
    gate = PipelineGate("a1", "default")
    create(replica(), gate=gate)
    assert gate.admissions == 1


def test_a_status_closed_by_the_gate_takes_no_ticket_naming_the_stage() -> None:
    gate = PipelineGate("a1", "default", closed_status_ids=frozenset({"1"}))
    with pytest.raises(InvalidTicket) as refused:
        create(replica(), gate=gate, status_id="1")
    assert refused.value.errors[0].field == "hs_pipeline_stage"
    assert gate.admissions == 0


def test_a_pipeline_closed_by_the_gate_takes_no_ticket_naming_the_pipeline() -> None:
    gate = PipelineGate("a1", "default", pipeline_closed=True)
    with pytest.raises(InvalidTicket) as refused:
        create(replica(), gate=gate, status_id=None)
    assert refused.value.errors[0].field == "hs_pipeline"


def test_without_a_status_the_ticket_skips_open_statuses_the_gate_closed() -> None:
    gate = PipelineGate("a1", "default", closed_status_ids=frozenset({"0"}))
    assert create(replica(), gate=gate, status_id=None).status_id == "1"


def test_a_moved_ticket_is_in_its_new_status_and_was_modified_then() -> None:
    ticket = create(replica())
    later = datetime(2026, 11, 26, tzinfo=UTC)

    gate = PipelineGate("a1", "default")

    ticket.move_to(replica(), "0", gate, later)

    assert (ticket.status_id, ticket.updated_at, ticket.created_at) == ("0", later, NOW)
    assert ticket.properties()["hs_pipeline_stage"] == "0"
    assert gate.admissions == 1


def test_a_ticket_cannot_move_into_a_status_the_gate_closed() -> None:
    ticket = create(replica())
    gate = PipelineGate("a1", "default", closed_status_ids=frozenset({"0"}))

    with pytest.raises(InvalidTicket, match="being deleted"):
        ticket.move_to(replica(), "0", gate, NOW)

    assert ticket.status_id == "1"


def test_only_a_newer_snapshot_supersedes_the_replica() -> None:
    assert replica(2).supersedes(replica(1))
    assert not replica(1).supersedes(replica(1))
    assert not replica(1).supersedes(replica(2))
    assert replica(1).supersedes(None)


def required_severity() -> PipelineReplica:
    snapshot = replica().pipeline
    statuses = [
        s.model_copy(update={"properties": [StatusProperty(name="severity", required=True)]})
        if s.id == "1"
        else s
        for s in snapshot.statuses
    ]
    return PipelineReplica("a1", 2, snapshot.model_copy(update={"statuses": statuses}))


def test_a_person_creating_into_a_status_must_fill_its_required_properties() -> None:
    with pytest.raises(MissingStatusProperties) as refused:
        create(required_severity(), requester=Requester("boss", is_super_admin=True))
    assert [e.field for e in refused.value.errors] == ["severity"]


def test_automation_creates_into_a_status_without_its_required_properties() -> None:
    ticket = create(required_severity(), requester=Requester.automation("channels"))
    [event] = ticket.events
    assert isinstance(event, TicketCreated)
    assert event.created_by is None


def test_a_ticket_created_by_a_person_names_them_and_holds_its_properties() -> None:
    ticket = create(replica(), hs_ticket_priority="LOW", content="", source_type="EMAIL")

    [event] = ticket.events
    assert isinstance(event, TicketCreated)
    assert event.created_by == "u1"
    assert ticket.values == {
        "subject": "Printer on fire",
        "hs_ticket_priority": "LOW",
        "source_type": "EMAIL",
    }
    assert event.properties["hs_is_closed"] == "false"
    assert event.properties["createdate"] == "2026-11-25T12:00:00.000Z"
