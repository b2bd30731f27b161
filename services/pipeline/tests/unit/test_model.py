"""The Pipeline aggregate: statuses, the open/closed rule, labels, revisions, retirements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import PipelineCreated, PipelineDeleted, PipelineUpdated, TicketState
from ticketflow_pipeline.domain.errors import InvalidPipeline, PipelineInUse, StatusNotFound
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED


def support() -> Pipeline:
    pipeline = Pipeline.default_support_pipeline("a1", NOW)
    pipeline.events.clear()
    return pipeline


def new_pipeline(*statuses: NewStatus, label: str = "Billing") -> Pipeline:
    return Pipeline.create(
        account_id="a1",
        pipeline_id="p2",
        label=label,
        display_order=1,
        statuses=statuses,
        new_status_ids=[f"s{n}" for n in range(len(statuses))],
        now=NOW,
    )


def test_a_new_pipeline_records_its_snapshot_at_revision_one() -> None:
    pipeline = new_pipeline(NewStatus(" To  do ", OPEN), NewStatus("Done", CLOSED))

    [event] = pipeline.events
    assert isinstance(event, PipelineCreated)
    assert event.revision == 1
    assert [(s.id, s.label, s.display_order) for s in pipeline.statuses] == [
        ("s0", "To do", 0),
        ("s1", "Done", 1),
    ]


@pytest.mark.parametrize(
    "statuses",
    [
        (NewStatus("New", OPEN),),
        (NewStatus("Done", CLOSED),),
        (),
    ],
)
def test_a_pipeline_needs_an_open_and_a_closed_status(statuses: tuple[NewStatus, ...]) -> None:
    with pytest.raises(InvalidPipeline, match="at least one"):
        new_pipeline(*statuses)


@pytest.mark.parametrize(("label", "code"), [("   ", "blank"), ("x" * 101, "too_long")])
def test_a_blank_or_overlong_label_is_refused(label: str, code: str) -> None:
    with pytest.raises(InvalidPipeline) as refused:
        new_pipeline(NewStatus(label, OPEN), NewStatus("Done", CLOSED))
    assert refused.value.errors[0].code == code


def test_status_labels_are_unique_in_any_case() -> None:
    with pytest.raises(InvalidPipeline, match="already exists"):
        new_pipeline(NewStatus("New", OPEN), NewStatus("NEW", CLOSED))


def test_more_than_a_hundred_statuses_are_refused() -> None:
    statuses = [NewStatus(f"S{n}", OPEN) for n in range(100)] + [NewStatus("Done", CLOSED)]
    with pytest.raises(InvalidPipeline, match="at most 100"):
        new_pipeline(*statuses)


def test_every_change_raises_the_revision_and_records_the_snapshot() -> None:
    pipeline = support()
    pipeline.update(now=LATER, label="Help desk")
    added = pipeline.add_status(NewStatus("Escalated", OPEN), "9", LATER)

    assert [e.revision for e in pipeline.events if isinstance(e, PipelineUpdated)] == [2, 3]
    assert pipeline.events[-1].pipeline.statuses[-1].id == "9"  # type: ignore[attr-defined]
    assert added.display_order == 4
    assert pipeline.state.updated_at == LATER


def test_turning_the_last_closed_status_open_is_refused_and_changes_nothing() -> None:
    pipeline = support()
    with pytest.raises(InvalidPipeline, match="Closed"):
        pipeline.update_status("4", now=LATER, ticket_state=OPEN)
    assert pipeline.status("4").ticket_state is CLOSED
    assert pipeline.revision == 1
    assert pipeline.events == []


def test_renaming_a_status_to_another_statuss_label_is_refused() -> None:
    with pytest.raises(InvalidPipeline, match="already exists"):
        support().update_status("1", now=LATER, label="closed")


def test_reordering_takes_the_full_list_and_applies_it() -> None:
    pipeline = support()
    pipeline.reorder_statuses(["4", "3", "2", "1"], LATER)
    assert [s.id for s in pipeline.statuses] == ["4", "3", "2", "1"]


@pytest.mark.parametrize(
    "order", [["1", "2", "3"], ["1", "2", "3", "4", "4"], ["1", "2", "3", "9"]]
)
def test_a_partial_or_unknown_reorder_is_refused(order: list[str]) -> None:
    with pytest.raises(InvalidPipeline, match="exactly once"):
        support().reorder_statuses(order, LATER)


def test_deleting_a_status_waits_for_the_ticket_service() -> None:
    pipeline = support()
    retirement = pipeline.request_status_removal("2", "3", "r1", LATER)

    assert (retirement.status_ids, retirement.move_to_status_id) == (("2",), "3")
    assert [s.id for s in pipeline.statuses] == ["1", "2", "3", "4"]
    with pytest.raises(PipelineInUse, match="waiting"):
        pipeline.update(now=LATER, label="Busy")

    assert pipeline.complete_retirement("r1", LATER)
    assert [s.id for s in pipeline.statuses] == ["1", "3", "4"]
    assert pipeline.revision == 2


def test_a_refused_retirement_changes_nothing() -> None:
    pipeline = support()
    pipeline.request_status_removal("2", None, "r1", LATER)

    assert pipeline.abandon_retirement("r1")
    assert not pipeline.complete_retirement("r1", LATER)
    assert [s.id for s in pipeline.statuses] == ["1", "2", "3", "4"]
    assert pipeline.revision == 1


def test_deleting_the_only_closed_status_is_refused_before_asking_anyone() -> None:
    with pytest.raises(InvalidPipeline, match="Closed"):
        support().request_status_removal("4", None, "r1", LATER)


@pytest.mark.parametrize(("status_id", "move_to"), [("9", None), ("2", "9"), ("2", "2")])
def test_deleting_with_an_unknown_status_or_target_is_refused(
    status_id: str, move_to: str | None
) -> None:
    with pytest.raises((StatusNotFound, InvalidPipeline)):
        support().request_status_removal(status_id, move_to, "r1", LATER)


def test_a_deleted_pipeline_records_its_last_snapshot_archived() -> None:
    pipeline = support()
    pipeline.request_deletion("r1", LATER)
    pipeline.complete_retirement("r1", LATER)

    [event] = pipeline.events
    assert isinstance(event, PipelineDeleted)
    assert event.pipeline.archived
    assert event.revision == 2
    with pytest.raises(PipelineInUse, match="deleted"):
        pipeline.update(now=LATER, label="Zombie")


def test_replacing_keeps_the_ids_of_statuses_matched_by_label_and_retires_the_rest() -> None:
    pipeline = support()
    retirement = pipeline.request_replacement(
        label="Support",
        display_order=0,
        statuses=[NewStatus("new", OPEN), NewStatus("Resolved", CLOSED)],
        new_status_ids=["n1", "n2"],
        retirement_id="r1",
        now=LATER,
    )

    assert retirement is not None
    assert set(retirement.status_ids) == {"2", "3", "4"}
    pipeline.complete_retirement("r1", LATER)
    assert [(s.id, s.label) for s in pipeline.statuses] == [("1", "new"), ("n1", "Resolved")]


def test_replacing_with_the_same_statuses_applies_at_once() -> None:
    pipeline = support()
    same = [NewStatus(s.label, s.ticket_state) for s in pipeline.statuses]
    retirement = pipeline.request_replacement(
        label="Renamed",
        display_order=3,
        statuses=same,
        new_status_ids=["x"] * 4,
        retirement_id="r1",
        now=LATER,
    )
    assert retirement is None
    assert (pipeline.label, pipeline.state.display_order, pipeline.revision) == ("Renamed", 3, 2)
