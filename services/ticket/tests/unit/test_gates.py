"""Pipeline gates: which statuses take tickets, and what closing statuses decides."""

from __future__ import annotations

import pytest

from ticketflow_contracts import CloseStatuses, StatusesClosed, StatusesCloseRefused
from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.gates import PipelineGate


def close(
    *status_ids: str, whole_pipeline: bool = False, move_to: str | None = None
) -> CloseStatuses:
    return CloseStatuses(
        retirement_id="r1",
        pipeline_id="p1",
        status_ids=list(status_ids),
        whole_pipeline=whole_pipeline,
        move_to_status_id=move_to,
    )


def test_a_gate_never_written_admits_every_status_and_counts_admissions() -> None:
    gate = PipelineGate("a1", "p1")

    gate.admit("new")
    gate.admit("done")

    assert gate.admits("anything")
    assert gate.admissions == 2


def test_an_empty_status_closes_and_then_admits_no_ticket_naming_the_stage() -> None:
    gate = PipelineGate("a1", "p1")

    closing = gate.close(close("new"), ticket_count=0)

    assert closing.answer == StatusesClosed(
        retirement_id="r1", pipeline_id="p1", status_ids=["new"]
    )
    assert closing.move_to_status_id is None
    assert not gate.admits("new")
    assert gate.admits("done")
    with pytest.raises(InvalidTicket) as refused:
        gate.admit("new")
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("hs_pipeline_stage", "closed_to_tickets")
    ]
    assert gate.admissions == 0


def test_a_closed_pipeline_admits_nothing_naming_the_pipeline() -> None:
    gate = PipelineGate("a1", "p1")

    gate.close(close("new", "done", whole_pipeline=True), ticket_count=0)

    assert gate.pipeline_closed
    with pytest.raises(InvalidTicket) as refused:
        gate.admit("a-status-added-later")
    assert refused.value.errors[0].field == "hs_pipeline"
    assert "'p1' is deleted or being deleted" in refused.value.message


def test_statuses_holding_tickets_without_a_target_are_refused_and_stay_open() -> None:
    gate = PipelineGate("a1", "p1")

    closing = gate.close(close("new"), ticket_count=3)

    assert closing.refused
    assert closing.answer == StatusesCloseRefused(
        retirement_id="r1", pipeline_id="p1", status_ids=["new"], ticket_count=3
    )
    assert gate == PipelineGate("a1", "p1")


def test_statuses_holding_tickets_with_a_target_close_and_move_them_there() -> None:
    gate = PipelineGate("a1", "p1")

    closing = gate.close(close("new", move_to="done"), ticket_count=3)

    assert not closing.refused
    assert closing.move_to_status_id == "done"
    assert isinstance(closing.answer, StatusesClosed)
    assert closing.answer.moved_ticket_count == 3
    assert not gate.admits("new")
    assert gate.admits("done")


def test_an_empty_status_with_a_target_closes_and_moves_nothing() -> None:
    closing = PipelineGate("a1", "p1").close(close("new", move_to="done"), ticket_count=0)

    assert closing.move_to_status_id is None
    assert isinstance(closing.answer, StatusesClosed)
    assert closing.answer.moved_ticket_count == 0


@pytest.mark.parametrize(
    ("command", "gate"),
    [
        (close("new", "done", move_to="done"), PipelineGate("a1", "p1")),
        (close("new", move_to="old"), PipelineGate("a1", "p1", frozenset({"old"}))),
        (close("new", whole_pipeline=True, move_to="done"), PipelineGate("a1", "p1")),
    ],
    ids=["target-among-the-closing", "target-already-closed", "whole-pipeline"],
)
def test_tickets_are_never_moved_into_a_status_that_is_or_gets_closed(
    command: CloseStatuses, gate: PipelineGate
) -> None:
    before = PipelineGate(gate.account_id, gate.pipeline_id, gate.closed_status_ids)

    closing = gate.close(command, ticket_count=2)

    assert closing.refused
    assert gate == before


def test_a_closed_status_stays_closed_when_a_later_closing_is_refused() -> None:
    gate = PipelineGate("a1", "p1")
    gate.close(close("old"), ticket_count=0)

    gate.close(close("old", "new"), ticket_count=1)

    assert gate.closed_status_ids == frozenset({"old"})
