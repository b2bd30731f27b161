"""Pipeline rules: creation statuses are Open statuses of the pipeline, listed once; every
change is a new revision; rules that point at gone statuses read without them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import PipelineRules, PipelineUpdated, TicketState, Tier
from ticketflow_pipeline.domain.errors import FeatureNotInTier, InvalidPipeline
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.rules import prune_rules, require_tier_for_rules

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def support() -> Pipeline:
    """Statuses 1-3 Open, 4 Closed."""
    pipeline = Pipeline.default_support_pipeline("a1", NOW)
    pipeline.events.clear()
    return pipeline


def test_changing_the_rules_records_them_at_the_next_revision() -> None:
    pipeline = support()
    wanted = PipelineRules(
        creation_status_ids=["1", "3"], forbid_skipping=True, forbid_backwards=True
    )

    pipeline.change_rules(wanted, LATER)

    [event] = pipeline.events
    assert isinstance(event, PipelineUpdated)
    assert event.revision == 2
    assert event.pipeline.rules == wanted
    assert pipeline.state.rules == wanted


def test_no_creation_status_means_any_status() -> None:
    pipeline = support()

    pipeline.change_rules(PipelineRules(forbid_skipping=True), LATER)

    assert pipeline.state.rules.creation_status_ids == []


@pytest.mark.parametrize(
    ("status_ids", "field", "code"),
    [
        (["1", "1"], "creationStatusIds.1", "duplicate"),
        (["1", "9"], "creationStatusIds.1", "unknown_status"),
        (["4"], "creationStatusIds.0", "not_open"),
    ],
)
def test_a_bad_creation_status_is_refused_naming_it_and_nothing_changes(
    status_ids: list[str], field: str, code: str
) -> None:
    pipeline = support()
    before = pipeline.state

    with pytest.raises(InvalidPipeline) as refused:
        pipeline.change_rules(PipelineRules(creation_status_ids=status_ids), LATER)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert pipeline.state == before
    assert pipeline.events == []


def test_rules_are_a_professional_and_enterprise_feature() -> None:
    require_tier_for_rules(Tier.ENTERPRISE)

    with pytest.raises(FeatureNotInTier, match=r"Pipeline rules.*this account is on free"):
        require_tier_for_rules(Tier.FREE)


def test_creation_statuses_that_are_gone_or_closed_are_pruned() -> None:
    pipeline = support()
    pipeline.change_rules(PipelineRules(creation_status_ids=["1", "2", "3"]), LATER)
    pipeline.update_status("2", now=LATER, ticket_state=TicketState.CLOSED)
    state = pipeline.state.model_copy(
        update={"statuses": [s for s in pipeline.state.statuses if s.id != "3"]}
    )

    assert prune_rules(state).rules.creation_status_ids == ["1"]
    assert prune_rules(pipeline.state).rules.creation_status_ids == ["1", "3"]


def test_pruning_valid_rules_returns_the_state_unchanged() -> None:
    pipeline = support()

    assert prune_rules(pipeline.state) is pipeline.state
