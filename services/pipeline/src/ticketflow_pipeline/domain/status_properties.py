"""Status properties: the ticket properties an agent fills when a ticket enters a status, in
order (a change of a custom status: Starter and up), each optionally required (Professional and
Enterprise). They live on the pipeline
snapshot, so a change publishes PipelineUpdated; a property a status lists cannot be archived."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from ticketflow_contracts import StatusProperty, StatusSnapshot, Tier
from ticketflow_pipeline.domain.errors import InvalidProperty, PropertyInUse
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.properties import PropertyDefinition
from ticketflow_pipeline.domain.statuses import require_tier_for_custom_statuses
from ticketflow_pipeline.domain.tiers import PAID_PLUS, require_tier

MAX_STATUS_PROPERTIES = 50
REQUIRED_FEATURE = "Required status properties"
# Moving a ticket sets these; asking for them on entering a status would make no sense.
SET_BY_THE_MOVE = frozenset({"hs_pipeline", "hs_pipeline_stage"})


def fillable(definition: PropertyDefinition) -> bool:
    """Whether an agent can fill the property (computed values such as createdate cannot)."""
    return not definition.read_only_value and definition.name not in SET_BY_THE_MOVE


def set_status_properties(
    pipeline: Pipeline,
    status_id: str,
    wanted: Sequence[StatusProperty],
    definitions: Mapping[str, PropertyDefinition],
    tier: Tier,
    now: datetime,
) -> StatusSnapshot:
    """Replace the status's ordered list. `definitions` holds the account's live and archived
    definitions of the wanted names (built-ins included); a name it lacks does not exist."""
    require_tier_for_custom_statuses(tier)
    current = pipeline.status(status_id)
    if len(wanted) > MAX_STATUS_PROPERTIES:
        raise InvalidProperty(
            f"a status lists at most {MAX_STATUS_PROPERTIES} properties; {len(wanted)} were sent",
            "properties",
            "too_many",
        )
    seen: set[str] = set()
    for index, item in enumerate(wanted):
        _check_item(item, index, seen, definitions.get(item.name))
    if any(item.required for item in wanted):
        require_tier(REQUIRED_FEATURE, tier, PAID_PLUS, plural=True)
    updated = current.model_copy(update={"properties": list(wanted), "updated_at": now})
    statuses = [updated if s.id == status_id else s for s in pipeline.state.statuses]
    pipeline.change(pipeline.state.model_copy(update={"statuses": statuses}), now)
    return updated


def _check_item(
    item: StatusProperty, index: int, seen: set[str], definition: PropertyDefinition | None
) -> None:
    field = f"properties.{index}.name"
    if item.name in seen:
        raise InvalidProperty(f"property {item.name!r} is listed twice", field, "duplicate")
    seen.add(item.name)
    if definition is None or definition.archived:
        raise InvalidProperty(
            f"ticket property {item.name!r} does not exist", field, "unknown_property"
        )
    if not fillable(definition):
        raise InvalidProperty(
            f"ticket property {item.name!r} is set by ticketflow, not by an agent; "
            "a status cannot ask for it",
            field,
            "read_only_value",
        )


def statuses_listing(pipelines: Iterable[Pipeline], name: str) -> list[str]:
    """Where the property `name` is listed, as `status 'New' (1) of pipeline 'Support' (default)`;
    deleted pipelines do not count."""
    return [
        f"status {status.label!r} ({status.id}) of pipeline {pipeline.label!r} ({pipeline.id})"
        for pipeline in pipelines
        if not pipeline.archived
        for status in pipeline.statuses
        if any(p.name == name for p in status.properties)
    ]


def require_unlisted(pipelines: Iterable[Pipeline], name: str) -> None:
    """Archiving a property that a status lists is refused (rather than silently dropping it
    from the status), naming every status, so that an admin decides what replaces it."""
    listed = statuses_listing(pipelines, name)
    if listed:
        raise PropertyInUse(
            f"ticket property {name!r} is listed by {'; '.join(listed)}; "
            "remove it from those statuses before archiving it"
        )
