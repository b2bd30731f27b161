"""A bulk move's filter in the domain: read as a search's filterGroups with problems named
under `filter.`, part of the request's fingerprint, and applied by the job to each batch
(non-matching tickets stay and count as skipped)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.move_jobs import JobState, MoveJob
from ticketflow_ticket.domain.moves import InvalidMove, MovePlan, MoveRequest, parse_move_filter

from .builders import NOW
from .test_moves_domain import BILLING

HIGH = {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}
ONLY_HIGH = {"filterGroups": [{"filters": [HIGH]}]}


def problems(raw: Any) -> list[str | None]:
    with pytest.raises(InvalidMove) as refused:
        parse_move_filter(raw)
    return [e.field for e in refused.value.errors]


def test_no_filter_is_none_and_filter_groups_read_as_search_reads_them() -> None:
    assert parse_move_filter(None) is None
    [[condition]] = parse_move_filter(ONLY_HIGH) or ()
    assert (condition.property, condition.operator.value, condition.values) == (
        "hs_ticket_priority",
        "EQ",
        ("HIGH",),
    )


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ([HIGH], ["filter"]),
        ({"filterGroups": [{"filters": [HIGH]}], "sorts": []}, ["filter.sorts"]),
        (
            {"filterGroups": [{"filters": [{**HIGH, "propertyName": "subject"}]}]},
            ["filter.filterGroups.0.filters.0.propertyName"],
        ),
        (
            {"filterGroups": [{"filters": [{**HIGH, "operator": "LIKE"}]}]},
            ["filter.filterGroups.0.filters.0.operator"],
        ),
        (
            {"filterGroups": [{"filters": [HIGH, {**HIGH, "operator": "GT"}]}]},
            ["filter.filterGroups.0.filters.1.operator"],
        ),
        (
            {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "EQ"}]}]},
            ["filter.filterGroups.0.filters.0.value"],
        ),
        ({"filterGroups": [{"filters": [HIGH]}] * 6}, ["filter.filterGroups"]),
    ],
)
def test_a_bad_filter_is_refused_naming_its_place_under_filter(raw: Any, fields: list[str]) -> None:
    assert problems(raw) == fields


def test_the_filter_is_part_of_the_fingerprint() -> None:
    plain = MoveRequest("support", "billing", default_status_id="inbox")
    filtered = MoveRequest(
        "support", "billing", default_status_id="inbox", filter_groups=parse_move_filter(ONLY_HIGH)
    )
    again = MoveRequest(
        "support", "billing", default_status_id="inbox", filter_groups=parse_move_filter(ONLY_HIGH)
    )

    assert plain.fingerprint() != filtered.fingerprint()
    assert filtered.fingerprint() == again.fingerprint()


def ticket(ticket_id: str, priority: str | None) -> Ticket:
    values = {"hs_ticket_priority": priority} if priority else {}
    return Ticket(ticket_id, "a1", "support", "new", values, NOW, NOW, version=1)


def test_a_filtered_job_moves_the_matching_tickets_and_counts_the_others_skipped() -> None:
    groups = parse_move_filter(ONLY_HIGH)
    request = MoveRequest(
        "support", "billing", status_mapping={"new": "inbox"}, filter_groups=groups
    )
    job = MoveJob.create(
        job_id="j1",
        account_id="a1",
        requester=Requester("boss", is_super_admin=True),
        request=request,
        plan=MovePlan({"new": "inbox"}),
        total=3,
        correlation_id=str(uuid.uuid4()),
        now=NOW,
    )
    high, low, none = ticket("t1", "HIGH"), ticket("t2", "LOW"), ticket("t3", None)

    moved = job.run_batch(
        [high, low, none],
        pipeline=BILLING,
        gate=PipelineGate("a1", "billing"),
        next_after=None,
        now=NOW,
    )

    assert moved == [high]
    assert (job.state, job.moved, job.skipped, job.failed, job.total) == (
        JobState.COMPLETED,
        1,
        2,
        0,
        3,
    )
    assert [(t.pipeline_id, t.events) for t in (low, none)] == [("support", [])] * 2
