"""Rules across an account's pipelines: custom pipelines' tiers and limits, unique labels, order,
at least one left (every change under them writes the account's pipelines guard:
domain/guards.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ticketflow_contracts import Tier
from ticketflow_pipeline.domain.errors import InvalidPipeline, PipelineInUse
from ticketflow_pipeline.domain.labels import clean_label, require_unique
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.tiers import STARTER_PLUS, TierPolicy, require_tier

CUSTOM_PIPELINES = "Custom ticket pipelines"


def live(pipelines: Sequence[Pipeline]) -> list[Pipeline]:
    return sorted(
        (p for p in pipelines if not p.archived), key=lambda p: (p.state.display_order, p.id)
    )


def check_new_pipeline(
    pipelines: Sequence[Pipeline], label: str, tier: Tier, policy: TierPolicy
) -> None:
    # HubSpot: only Starter and up create pipelines; Free keeps its default one, whatever
    # PIPELINE_PIPELINE_LIMITS says of it.
    require_tier(CUSTOM_PIPELINES, tier, STARTER_PLUS, plural=True)
    current = live(pipelines)
    policy.check_pipeline_count(tier, len(current))
    require_unique(clean_label(label), (p.label for p in current), "a pipeline labelled")


def check_label_free(pipelines: Sequence[Pipeline], label: str, pipeline_id: str) -> None:
    others = (p.label for p in live(pipelines) if p.id != pipeline_id)
    require_unique(clean_label(label), others, "a pipeline labelled")


def next_display_order(pipelines: Sequence[Pipeline]) -> int:
    return max((p.state.display_order for p in live(pipelines)), default=-1) + 1


def reorder(
    pipelines: Sequence[Pipeline], ordered_ids: Sequence[str], now: datetime
) -> list[Pipeline]:
    """The pipeline settings page's drag and drop; returns the pipelines whose order changed."""
    current = live(pipelines)
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != {p.id for p in current}:
        raise InvalidPipeline(
            "the new order must list every pipeline of the account exactly once",
            "pipelineIds",
            "incomplete_order",
        )
    position = {pipeline_id: order for order, pipeline_id in enumerate(ordered_ids)}
    changed = []
    for pipeline in current:
        if pipeline.state.display_order != position[pipeline.id]:
            pipeline.update(now=now, display_order=position[pipeline.id])
            changed.append(pipeline)
    return changed


def check_deletable(pipelines: Sequence[Pipeline], pipeline_id: str) -> None:
    """Another pipeline must stay: one whose deletion waits for the ticket service's answer
    counts as gone (else two deletions in a row could leave the account none)."""
    staying = [p for p in live(pipelines) if p.id != pipeline_id and not _being_deleted(p)]
    if not staying:
        raise PipelineInUse(
            f"pipeline {pipeline_id!r} is the account's last pipeline (the others, if any, "
            "are being deleted); an account keeps at least one"
        )


def _being_deleted(pipeline: Pipeline) -> bool:
    return pipeline.retirement is not None and pipeline.retirement.whole_pipeline
