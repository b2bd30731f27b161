"""Pipeline rules (HubSpot's: restrict ticket creation to some statuses, forbid skipping
statuses, forbid moving back): checked and stored here; the ticket service enforces them."""

from __future__ import annotations

from ticketflow_contracts import PipelineRules, PipelineSnapshot, TicketState, Tier
from ticketflow_pipeline.domain.errors import InvalidPipeline
from ticketflow_pipeline.domain.tiers import PAID_PLUS, require_tier

FEATURE = "Pipeline rules"


def require_tier_for_rules(tier: Tier) -> None:
    require_tier(FEATURE, tier, PAID_PLUS, plural=True)


def check_rules(state: PipelineSnapshot, rules: PipelineRules) -> None:
    """Creation statuses must be Open statuses of the pipeline, each listed once; an empty
    list lets tickets be created in any status (Pipeline.change_rules applies them)."""
    states = {s.id: s.ticket_state for s in state.statuses}
    seen: set[str] = set()
    for index, status_id in enumerate(rules.creation_status_ids):
        field = f"creationStatusIds.{index}"
        if status_id in seen:
            raise InvalidPipeline(f"status {status_id!r} is listed twice", field, "duplicate")
        seen.add(status_id)
        if status_id not in states:
            raise InvalidPipeline(
                f"status {status_id!r} does not exist in pipeline {state.id!r}",
                field,
                "unknown_status",
            )
        if states[status_id] is not TicketState.OPEN:
            raise InvalidPipeline(
                f"status {status_id!r} is Closed; tickets can only be created in Open statuses",
                field,
                "not_open",
            )


def prune_rules(state: PipelineSnapshot) -> PipelineSnapshot:
    """The state without creation statuses that no longer exist or are no longer Open: what
    a status removal or a change to Closed needs; Pipeline.change applies it to every change.
    When none is left the list is empty, which means any status."""
    open_ids = {s.id for s in state.statuses if s.ticket_state is TicketState.OPEN}
    kept = [s for s in state.rules.creation_status_ids if s in open_ids]
    if kept == state.rules.creation_status_ids:
        return state
    rules = state.rules.model_copy(update={"creation_status_ids": kept})
    return state.model_copy(update={"rules": rules})
