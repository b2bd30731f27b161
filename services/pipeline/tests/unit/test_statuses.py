"""The tier rule for custom statuses, and what a PUT of a pipeline counts as changing them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ticketflow_contracts import TicketState, Tier
from ticketflow_pipeline.domain.errors import FeatureNotInTier
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import (
    NewStatus,
    changes_statuses,
    require_tier_for_custom_statuses,
    require_tier_for_replacement,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED


def default_statuses() -> list[NewStatus]:
    """The default pipeline's statuses as a PUT of it unchanged would send them."""
    pipeline = Pipeline.default_support_pipeline("a1", NOW)
    return [NewStatus(s.label, s.ticket_state, s.display_order) for s in pipeline.statuses]


@pytest.mark.parametrize("tier", [Tier.STARTER, Tier.PROFESSIONAL, Tier.ENTERPRISE])
def test_custom_statuses_are_on_starter_and_up(tier: Tier) -> None:
    require_tier_for_custom_statuses(tier)


def test_a_free_account_is_told_which_tiers_have_custom_statuses() -> None:
    with pytest.raises(FeatureNotInTier) as refused:
        require_tier_for_custom_statuses(Tier.FREE)

    assert refused.value.message == (
        "Custom ticket statuses are available on Starter, Professional and Enterprise; "
        "this account is on free"
    )


def test_the_same_statuses_matched_by_label_in_any_case_are_no_change() -> None:
    current = Pipeline.default_support_pipeline("a1", NOW).statuses
    wanted = [NewStatus(f"  {s.label.upper()} ", s.ticket_state, s.display_order) for s in current]

    assert not changes_statuses(current, default_statuses())
    assert changes_statuses(current, wanted)  # the labels' case changed


def test_statuses_given_by_id_with_their_order_left_out_are_no_change() -> None:
    current = Pipeline.default_support_pipeline("a1", NOW).statuses

    assert not changes_statuses(
        current, [NewStatus(s.label, s.ticket_state, id=s.id) for s in current]
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s[:-1],  # one left out
        lambda s: [*s, NewStatus("Escalated", OPEN)],  # one added
        lambda s: [NewStatus("Brand new", s[0].ticket_state, s[0].display_order), *s[1:]],
        lambda s: [NewStatus(s[0].label, CLOSED, s[0].display_order), *s[1:]],
        lambda s: [NewStatus(s[0].label, s[0].ticket_state, 9), *s[1:]],
        lambda s: [s[1], s[0], *s[2:]],  # reordered without display orders
        lambda s: [s[0], s[0], *s[2:]],  # one twice, another left out
    ],
)
def test_any_other_list_changes_the_statuses(
    edit: Callable[[list[NewStatus]], list[NewStatus]],
) -> None:
    current = Pipeline.default_support_pipeline("a1", NOW).statuses
    wanted = edit([NewStatus(s.label, s.ticket_state) for s in current])

    assert changes_statuses(current, wanted)
    with pytest.raises(FeatureNotInTier):
        require_tier_for_replacement(current, wanted, Tier.FREE)
    require_tier_for_replacement(current, wanted, Tier.STARTER)


def test_a_free_account_may_put_its_pipeline_with_the_statuses_unchanged() -> None:
    current = Pipeline.default_support_pipeline("a1", NOW).statuses

    require_tier_for_replacement(current, default_statuses(), Tier.FREE)
