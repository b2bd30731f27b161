"""Pipeline rules and required status properties, as pure functions, with their bypasses."""

from __future__ import annotations

import pytest

from ticketflow_contracts import PipelineRules
from ticketflow_ticket.domain import rules
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket, MissingStatusProperties
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.replicas import PipelineReplica

from .builders import pipeline

AGENT = Requester("agent")
BYPASSING = [
    Requester("boss", is_super_admin=True),
    Requester("editor", is_property_settings_editor=True),
    Requester.automation(),
    Requester.trigger("customer_replied"),
]
NO_SKIPPING = pipeline(rules=PipelineRules(forbid_skipping=True))
NO_BACKWARDS = pipeline(rules=PipelineRules(forbid_backwards=True))
CREATION = pipeline(rules=PipelineRules(creation_status_ids=["waiting", "escalated"]))


def move(replica: PipelineReplica, from_id: str, to_id: str, requester: Requester = AGENT) -> None:
    target = replica.status(to_id)
    assert target is not None
    rules.check_move(replica, from_id, target, requester)


def code_of(refused: pytest.ExceptionInfo[InvalidTicket]) -> str | None:
    [error] = refused.value.errors
    assert error.field == "hs_pipeline_stage"
    return error.code


def test_without_skipping_a_ticket_moves_to_the_next_status_or_any_earlier_one() -> None:
    move(NO_SKIPPING, "new", "waiting")
    move(NO_SKIPPING, "done", "new")
    with pytest.raises(InvalidTicket, match="the next one is 'waiting'") as refused:
        move(NO_SKIPPING, "new", "escalated")
    assert code_of(refused) == rules.SKIPS_STATUSES


def test_without_moving_backwards_a_ticket_moves_forwards_however_far() -> None:
    move(NO_BACKWARDS, "new", "done")
    with pytest.raises(InvalidTicket, match="move back") as refused:
        move(NO_BACKWARDS, "waiting", "new")
    assert code_of(refused) == rules.MOVES_BACKWARDS


@pytest.mark.parametrize("requester", BYPASSING, ids=lambda v: v.user_id)
def test_admins_editors_triggers_and_automation_bypass_the_pipeline_rules(
    requester: Requester,
) -> None:
    move(NO_SKIPPING, "new", "done", requester)
    move(NO_BACKWARDS, "done", "new", requester)
    gate = PipelineGate("a1", "p1")
    assert rules.creation_status(CREATION, gate, "new", requester).id == "new"


def test_a_pipeline_limiting_creation_statuses_refuses_others_to_agents() -> None:
    gate = PipelineGate("a1", "p1")
    assert rules.creation_status(CREATION, gate, "escalated", AGENT).id == "escalated"
    with pytest.raises(InvalidTicket, match="only in the statuses waiting, escalated") as refused:
        rules.creation_status(CREATION, gate, "new", AGENT)
    assert code_of(refused) == rules.NOT_A_CREATION_STATUS


def test_without_a_status_a_ticket_starts_in_the_first_creation_status_the_gate_admits() -> None:
    assert rules.creation_status(CREATION, PipelineGate("a1", "p1"), None, AGENT).id == "waiting"
    closed = PipelineGate("a1", "p1", closed_status_ids=frozenset({"waiting"}))
    assert rules.creation_status(CREATION, closed, None, AGENT).id == "escalated"
    assert rules.creation_status(pipeline(), PipelineGate("a1", "p1"), None, AGENT).id == "new"


def test_an_unknown_status_is_refused_naming_the_stage() -> None:
    with pytest.raises(InvalidTicket, match="'nope' is not a status of pipeline 'p1'") as refused:
        rules.entered_status(pipeline(), PipelineGate("a1", "p1"), "nope")
    assert code_of(refused) == rules.NOT_A_STATUS


def test_entering_a_status_lists_every_required_property_left_empty() -> None:
    escalated = pipeline().status("escalated")
    assert escalated is not None

    with pytest.raises(MissingStatusProperties) as refused:
        rules.require_status_properties(escalated, {"subject": "x"}, AGENT)

    assert refused.value.category == "UNPROCESSABLE"
    assert [e.field for e in refused.value.errors] == ["hs_ticket_priority", "severity"]
    assert "hs_ticket_priority, severity" in refused.value.message
    rules.require_status_properties(
        escalated, {"hs_ticket_priority": "HIGH", "severity": "major"}, AGENT
    )


def test_required_properties_bind_admins_too_but_not_automation_which_cannot_fill_them() -> None:
    escalated = pipeline().status("escalated")
    assert escalated is not None
    with pytest.raises(MissingStatusProperties):
        rules.require_status_properties(escalated, {}, Requester("boss", is_super_admin=True))
    rules.require_status_properties(escalated, {}, Requester.automation())
