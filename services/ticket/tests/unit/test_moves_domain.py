"""Bulk moves in the domain, without I/O: the status mapping checked against both pipelines,
access and the gate; a batch's decisions; the job's cursor and progress."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    ActorKind,
    GranteeKind,
    PipelineAccess,
    TicketState,
    TicketStatusChanged,
)
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.move_jobs import MAX_ERRORS, JobState, MoveJob, job_id_for
from ticketflow_ticket.domain.moves import (
    InvalidMove,
    MoveNotAllowed,
    MovePlan,
    MoveRequest,
    move_batch,
    plan_move,
)
from ticketflow_ticket.domain.replicas import PipelineReplica

from .builders import NOW, pipeline

ADMIN = Requester("boss", is_super_admin=True)
AGENT = Requester("agent")
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED
SUPPORT = pipeline("support", {"new": (OPEN, ()), "waiting": (OPEN, ()), "done": (CLOSED, ())})
BILLING = pipeline("billing", {"inbox": (OPEN, ()), "paid": (CLOSED, ())})
ALL_HOLD = {"new": 3, "waiting": 2, "done": 1}


def plan(
    request: MoveRequest,
    *,
    source: PipelineReplica | None = SUPPORT,
    target: PipelineReplica | None = BILLING,
    gate: PipelineGate | None = None,
    counts: dict[str, int] | None = None,
    requester: Requester = ADMIN,
) -> MovePlan:
    return plan_move(
        request,
        source=source,
        target=target,
        target_gate=gate or PipelineGate("a1", request.to_pipeline_id),
        counts=ALL_HOLD if counts is None else counts,
        requester=requester,
    )


def to_billing(mapping: dict[str, str], **kwargs: str) -> MoveRequest:
    return MoveRequest("support", "billing", status_mapping=mapping, **kwargs)


def fields_of(refused: pytest.ExceptionInfo[InvalidMove]) -> list[tuple[str | None, str | None]]:
    return [(e.field, e.code) for e in refused.value.errors]


# -- the mapping ---------------------------------------------------------------------------


def test_every_status_mapped_plans_them_in_display_order() -> None:
    made = plan(to_billing({"done": "paid", "new": "inbox", "waiting": "inbox"}))

    assert made.source_status_ids == ("new", "waiting", "done")
    assert made.targets["done"] == "paid"


def test_a_default_status_takes_the_statuses_left_unmapped() -> None:
    made = plan(to_billing({"done": "paid"}, default_status_id="inbox"))

    assert dict(made.targets) == {"new": "inbox", "waiting": "inbox", "done": "paid"}


def test_an_unmapped_status_holding_tickets_is_named_and_an_empty_one_is_skipped() -> None:
    with pytest.raises(InvalidMove) as refused:
        plan(to_billing({"new": "inbox"}), counts={"new": 1, "waiting": 4, "done": 0})

    assert fields_of(refused) == [("statusMapping.waiting", "UNMAPPED_STATUS")]
    assert "holds 4 ticket(s)" in refused.value.message


def test_one_source_status_needs_only_its_own_mapping() -> None:
    made = plan(to_billing({"waiting": "inbox"}, from_status_id="waiting"))

    assert dict(made.targets) == {"waiting": "inbox"}


def test_unknown_pipelines_are_both_named() -> None:
    with pytest.raises(InvalidMove) as refused:
        plan(to_billing({"new": "inbox"}), source=None, target=None)

    assert fields_of(refused) == [
        ("from.pipelineId", "UNKNOWN_PIPELINE"),
        ("to.pipelineId", "UNKNOWN_PIPELINE"),
    ]


def test_unknown_statuses_on_either_side_are_each_named() -> None:
    request = MoveRequest(
        "support",
        "billing",
        from_status_id="nope",
        status_mapping={"gone": "inbox", "new": "missing"},
        default_status_id="done",
    )

    with pytest.raises(InvalidMove) as refused:
        plan(request)

    assert fields_of(refused) == [
        ("from.statusId", "NOT_A_STATUS"),
        ("statusMapping.gone", "NOT_A_STATUS"),
        ("statusMapping.new", "NOT_MOVED"),
        ("statusMapping.new", "NOT_A_STATUS"),
        ("defaultStatusId", "NOT_A_STATUS"),
    ]


def test_a_target_status_closed_to_tickets_is_refused() -> None:
    gate = PipelineGate("a1", "billing", closed_status_ids=frozenset({"paid"}))

    with pytest.raises(InvalidMove) as refused:
        plan(to_billing({"done": "paid"}, default_status_id="inbox"), gate=gate)

    assert fields_of(refused) == [("statusMapping.done", "closed_to_tickets")]


def test_a_target_pipeline_being_deleted_is_refused() -> None:
    gate = PipelineGate("a1", "billing", pipeline_closed=True)

    with pytest.raises(InvalidMove) as refused:
        plan(to_billing({}, default_status_id="inbox"), gate=gate)

    assert fields_of(refused) == [("to.pipelineId", "closed_to_tickets")]


def test_a_status_moved_to_itself_in_the_same_pipeline_is_refused() -> None:
    request = MoveRequest("support", "support", "new", {"new": "new"})

    with pytest.raises(InvalidMove) as refused:
        plan(request, target=SUPPORT)

    assert fields_of(refused) == [("statusMapping.new", "SAME_STATUS")]


def test_within_one_pipeline_a_default_leaves_its_own_tickets_where_they_are() -> None:
    request = MoveRequest("support", "support", default_status_id="done")

    assert dict(plan(request, target=SUPPORT).targets) == {"new": "done", "waiting": "done"}


def test_within_one_pipeline_a_status_that_receives_and_loses_tickets_is_refused() -> None:
    request = MoveRequest(
        "support", "support", status_mapping={"new": "waiting", "waiting": "done"}
    )

    with pytest.raises(InvalidMove) as refused:
        plan(request, target=SUPPORT, counts={"new": 1, "waiting": 1, "done": 0})

    assert fields_of(refused) == [("statusMapping.new", "CHAINED_STATUS")]


def test_a_mapping_that_moves_nothing_is_refused() -> None:
    with pytest.raises(InvalidMove) as refused:
        plan(to_billing({}), counts={})

    assert fields_of(refused) == [("statusMapping", "NOTHING_TO_MOVE")]


def test_a_pipeline_the_user_may_not_see_does_not_exist_for_them() -> None:
    hidden = PipelineAccess(restricted=True)

    with pytest.raises(InvalidMove) as refused:
        plan(
            to_billing({}, default_status_id="inbox"),
            target=pipeline("billing", {"inbox": (OPEN, ())}, access=hidden),
            requester=AGENT,
        )

    assert fields_of(refused) == [("to.pipelineId", "UNKNOWN_PIPELINE")]


def test_view_access_to_one_pipeline_forbids_the_move_naming_it() -> None:
    view_only = PipelineAccess(
        restricted=True,
        grants=[
            AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="agent", level=AccessLevel.VIEW)
        ],
    )
    source = pipeline("support", {"new": (OPEN, ())}, access=view_only)

    with pytest.raises(MoveNotAllowed) as refused:
        plan(to_billing({}, default_status_id="inbox"), source=source, requester=AGENT)

    assert [e.field for e in refused.value.errors] == ["from.pipelineId"]
    assert plan(to_billing({}, default_status_id="inbox"), source=source, requester=ADMIN)


def test_equal_requests_share_a_fingerprint_whatever_the_mapping_order() -> None:
    first = to_billing({"new": "inbox", "done": "paid"})
    second = to_billing({"done": "paid", "new": "inbox"})

    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != to_billing({"new": "paid", "done": "paid"}).fingerprint()


def test_an_idempotency_key_gives_the_same_job_id_to_its_user_only() -> None:
    fresh = [uuid.uuid4() for _ in range(3)]

    assert job_id_for("a1", "u1", "k", fresh[0]) == job_id_for("a1", "u1", "k", fresh[1])
    assert job_id_for("a1", "u1", "k", fresh[0]) != job_id_for("a2", "u1", "k", fresh[0])
    assert job_id_for("a1", "u1", "k", fresh[0]) != job_id_for("a1", "u2", "k", fresh[0])
    assert job_id_for("a1", "u1", None, fresh[2]) == str(fresh[2])


# -- a batch ---------------------------------------------------------------------------------


def ticket_in(status_id: str, ticket_id: str) -> Ticket:
    return Ticket(ticket_id, "a1", "support", status_id, {}, NOW, NOW, version=1)


def test_a_batch_moves_each_ticket_to_its_mapped_status_through_the_gate() -> None:
    gate = PipelineGate("a1", "billing")
    tickets = [ticket_in("new", "t1"), ticket_in("done", "t2")]

    result = move_batch(
        tickets,
        pipeline=BILLING,
        gate=gate,
        targets={"new": "inbox", "done": "paid"},
        actor=Requester.automation("bulk-move:j1"),
        now=NOW,
    )

    assert [(t.pipeline_id, t.status_id) for t in result.moved] == [
        ("billing", "inbox"),
        ("billing", "paid"),
    ]
    assert gate.admissions == 2
    [event] = tickets[0].events
    assert isinstance(event, TicketStatusChanged)
    assert (event.from_pipeline_id, event.actor.kind) == ("support", ActorKind.AUTOMATION)
    assert tickets[1].closed_at == NOW


def test_a_batch_leaves_tickets_already_moved_or_unmapped_alone() -> None:
    there = Ticket("t1", "a1", "billing", "inbox", {}, NOW, NOW, version=2)
    unmapped = ticket_in("waiting", "t2")

    result = move_batch(
        [there, unmapped],
        pipeline=BILLING,
        gate=PipelineGate("a1", "billing"),
        targets={"inbox": "inbox", "new": "inbox"},
        actor=Requester.automation(),
        now=NOW,
    )

    assert (result.moved, result.refused) == ([], [])
    assert (there.events, unmapped.events) == ([], [])


def test_a_ticket_whose_target_closed_meanwhile_is_refused_and_stays() -> None:
    gate = PipelineGate("a1", "billing", closed_status_ids=frozenset({"paid"}))
    stays, goes = ticket_in("done", "t1"), ticket_in("new", "t2")

    result = move_batch(
        [stays, goes],
        pipeline=BILLING,
        gate=gate,
        targets={"done": "paid", "new": "inbox"},
        actor=Requester.automation(),
        now=NOW,
    )

    assert [r.ticket_id for r in result.refused] == ["t1"]
    assert result.refused[0].code == "closed_to_tickets"
    assert (stays.pipeline_id, stays.status_id) == ("support", "done")
    assert result.moved == [goes]


# -- the job ---------------------------------------------------------------------------------


def job(targets: dict[str, str]) -> MoveJob:
    request = to_billing(targets)
    return MoveJob.create(
        job_id="j1",
        account_id="a1",
        requester=ADMIN,
        request=request,
        plan=MovePlan(targets),
        total=3,
        correlation_id=str(uuid.uuid4()),
        now=NOW,
    )


def test_a_job_walks_its_statuses_page_by_page_and_completes() -> None:
    moving = job({"new": "inbox", "done": "paid"})
    gate, later = PipelineGate("a1", "billing"), NOW + timedelta(seconds=1)

    moved = moving.run_batch(
        [ticket_in("new", "t1")], pipeline=BILLING, gate=gate, next_after="c1", now=NOW
    )
    assert (moving.state, moving.started_at, moving.current_status_id) == (
        JobState.RUNNING,
        NOW,
        "new",
    )
    assert (len(moved), moving.after) == (1, "c1")
    moving.run_batch(
        [ticket_in("new", "t2")], pipeline=BILLING, gate=gate, next_after=None, now=NOW
    )
    assert (moving.current_status_id, moving.after) == ("done", None)
    moving.run_batch(
        [ticket_in("done", "t3")], pipeline=BILLING, gate=gate, next_after=None, now=later
    )

    assert (moving.state, moving.moved, moving.failed, moving.completed_at) == (
        JobState.COMPLETED,
        3,
        0,
        later,
    )
    with pytest.raises(ValueError, match="runs no more batches"):
        moving.run_batch([], pipeline=BILLING, gate=gate, next_after=None, now=later)


def test_a_job_counts_every_refusal_but_keeps_only_the_first_errors() -> None:
    moving = job({"done": "paid"})
    closed = PipelineGate("a1", "billing", closed_status_ids=frozenset({"paid"}))
    refused = [ticket_in("done", f"t{i}") for i in range(MAX_ERRORS + 5)]

    moving.run_batch(refused, pipeline=BILLING, gate=closed, next_after=None, now=NOW)

    assert (moving.state, moving.failed, moving.moved) == (JobState.COMPLETED, MAX_ERRORS + 5, 0)
    assert len(moving.errors) == MAX_ERRORS
    assert moving.total == MAX_ERRORS + 5


def test_a_job_gives_up_after_repeated_unexpected_failures() -> None:
    failing = job({"new": "inbox"})

    failing.batch_failed("OperationalError: disk I/O error", max_attempts=2, now=NOW)
    assert failing.state is JobState.PENDING
    failing.batch_failed("OperationalError: disk I/O error", max_attempts=2, now=NOW)

    assert failing.state is JobState.FAILED
    assert failing.errors[-1].message == "OperationalError: disk I/O error"
