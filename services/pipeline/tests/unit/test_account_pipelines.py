"""Rules across an account's pipelines: tier limits, unique labels, order, the last one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import TicketState, Tier
from ticketflow_pipeline.domain import account_pipelines
from ticketflow_pipeline.domain.errors import (
    FeatureNotInTier,
    InvalidPipeline,
    PipelineInUse,
    PipelineLimitReached,
)
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus
from ticketflow_pipeline.domain.tiers import TierPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pipelines(count: int) -> list[Pipeline]:
    found = [Pipeline.default_support_pipeline("a1", NOW)]
    for n in range(1, count):
        found.append(
            Pipeline.create(
                account_id="a1",
                pipeline_id=f"p{n}",
                label=f"Team {n}",
                display_order=n,
                statuses=[
                    NewStatus("New", TicketState.OPEN),
                    NewStatus("Done", TicketState.CLOSED),
                ],
                new_status_ids=["a", "b"],
                now=NOW,
            )
        )
    return found


@pytest.mark.parametrize(
    ("tier", "limit"),
    [(Tier.STARTER, 2), (Tier.PROFESSIONAL, 15), (Tier.ENTERPRISE, 100)],
)
def test_each_tier_stops_at_its_pipeline_limit_naming_it(tier: Tier, limit: int) -> None:
    account_pipelines.check_new_pipeline(pipelines(limit - 1), "One more", tier, TierPolicy())
    with pytest.raises(PipelineLimitReached, match=f"{tier.value} tier allows {limit}"):
        account_pipelines.check_new_pipeline(pipelines(limit), "One more", tier, TierPolicy())


def test_the_limits_are_configurable() -> None:
    policy = TierPolicy({**TierPolicy().pipeline_limits, Tier.STARTER: 3})
    account_pipelines.check_new_pipeline(pipelines(2), "Third", Tier.STARTER, policy)


def test_a_free_account_creates_no_pipeline_whatever_its_configured_limit() -> None:
    roomy = TierPolicy({**TierPolicy().pipeline_limits, Tier.FREE: 3})

    with pytest.raises(FeatureNotInTier) as refused:
        account_pipelines.check_new_pipeline(pipelines(1), "Billing", Tier.FREE, roomy)

    assert refused.value.message == (
        "Custom ticket pipelines are available on Starter, Professional and Enterprise; "
        "this account is on free"
    )


def test_a_pipeline_label_is_unique_in_the_account() -> None:
    with pytest.raises(InvalidPipeline, match="already exists"):
        account_pipelines.check_new_pipeline(
            pipelines(1), " support  PIPELINE", Tier.ENTERPRISE, TierPolicy()
        )


def test_reordering_changes_only_the_pipelines_that_moved() -> None:
    found = pipelines(3)
    changed = account_pipelines.reorder(found, ["default", "p2", "p1"], NOW)

    assert sorted(p.id for p in changed) == ["p1", "p2"]
    assert [p.id for p in account_pipelines.live(found)] == ["default", "p2", "p1"]


def test_the_last_pipeline_cannot_be_deleted() -> None:
    with pytest.raises(PipelineInUse, match="last pipeline"):
        account_pipelines.check_deletable(pipelines(1), "default")
    account_pipelines.check_deletable(pipelines(2), "p1")


def test_a_pipeline_being_deleted_does_not_count_as_one_that_stays() -> None:
    found = pipelines(2)
    found[1].request_deletion("r1", NOW)

    with pytest.raises(PipelineInUse, match="last pipeline"):
        account_pipelines.check_deletable(found, "default")
