"""A pipeline's statuses as requests describe them (NewStatus) and as the snapshot holds them:
building validated status lists, the rules every list keeps, finding one status, and the tier
rule for changing them (custom statuses: Starter, Professional and Enterprise)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketflow_contracts import PipelineSnapshot, StatusSnapshot, TicketState, Tier
from ticketflow_pipeline.domain.errors import InvalidPipeline, StatusNotFound
from ticketflow_pipeline.domain.labels import clean_label, require_unique
from ticketflow_pipeline.domain.tiers import MAX_STATUSES_PER_PIPELINE, STARTER_PLUS, require_tier

CUSTOM_STATUSES = "Custom ticket statuses"


@dataclass(frozen=True)
class NewStatus:
    """A status as a request describes it; `id` is None when the service should make one."""

    label: str
    ticket_state: TicketState
    display_order: int | None = None
    id: str | None = None


def require_tier_for_custom_statuses(tier: Tier) -> None:
    """Adding, editing, reordering or deleting statuses, and their property lists. HubSpot:
    a Free account keeps the default pipeline's statuses as they are."""
    require_tier(CUSTOM_STATUSES, tier, STARTER_PLUS, plural=True)


def require_tier_for_replacement(
    current: Sequence[StatusSnapshot], wanted: Sequence[NewStatus], tier: Tier
) -> None:
    """A PUT of a pipeline that keeps its statuses as they are (a rename) is open to every
    tier; one that changes them is a change of custom statuses."""
    if changes_statuses(current, wanted):
        require_tier_for_custom_statuses(tier)


def changes_statuses(current: Sequence[StatusSnapshot], wanted: Sequence[NewStatus]) -> bool:
    """Whether `wanted` (matched as a PUT matches them) differs from `current` in any id,
    label, Open/Closed state or display order."""
    if len(wanted) != len(current):
        return True
    by_id = {s.id: s for s in current}
    seen: set[str] = set()
    for order, status in enumerate(match_existing(s, current) for s in wanted):
        existing = by_id.get(status.id) if status.id is not None else None
        if existing is None or existing.id in seen:
            return True
        seen.add(existing.id)
        display_order = status.display_order if status.display_order is not None else order
        if (clean_label(status.label, "label"), status.ticket_state, display_order) != (
            existing.label,
            existing.ticket_state,
            existing.display_order,
        ):
            return True
    return False


def match_existing(status: NewStatus, existing: Sequence[StatusSnapshot]) -> NewStatus:
    if status.id is not None:
        return status
    for current in existing:
        if current.label.casefold() == " ".join(status.label.split()).casefold():
            return NewStatus(status.label, status.ticket_state, status.display_order, current.id)
    return status


def build_statuses(
    wanted: Sequence[NewStatus],
    existing: Sequence[StatusSnapshot],
    ids: Iterator[str],
    now: datetime,
    keep: Sequence[StatusSnapshot] = (),
) -> list[StatusSnapshot]:
    """Validated statuses; a status with a known id in `keep` keeps its configuration."""
    known = {s.id: s for s in keep}
    labels = [s.label for s in existing]
    built: list[StatusSnapshot] = []
    for order, status in enumerate(wanted):
        label = clean_label(status.label, "label")
        require_unique(label, labels, "a status labelled")
        labels.append(label)
        status_id = status.id if status.id is not None else next(ids)
        if any(b.id == status_id for b in built) or any(s.id == status_id for s in existing):
            raise InvalidPipeline(
                f"status id {status_id!r} is used twice", "stages", "duplicate_id"
            )
        display_order = status.display_order if status.display_order is not None else order
        previous = known.get(status_id)
        if previous is not None:
            built.append(
                previous.model_copy(
                    update={
                        "label": label,
                        "ticket_state": status.ticket_state,
                        "display_order": display_order,
                        "updated_at": now,
                    }
                )
            )
            continue
        built.append(
            StatusSnapshot(
                id=status_id,
                label=label,
                display_order=display_order,
                ticket_state=status.ticket_state,
                created_at=now,
                updated_at=now,
            )
        )
    return built


def check_statuses(statuses: Sequence[StatusSnapshot]) -> None:
    if len(statuses) > MAX_STATUSES_PER_PIPELINE:
        raise InvalidPipeline(
            f"a pipeline holds at most {MAX_STATUSES_PER_PIPELINE} statuses", "stages", "too_many"
        )
    states = {s.ticket_state for s in statuses}
    for state in (TicketState.OPEN, TicketState.CLOSED):
        if state not in states:
            raise InvalidPipeline(
                f"a pipeline needs at least one {state.value.title()} status; "
                f"this change would leave none",
                "stages",
                f"no_{state.value.lower()}_status",
            )


def status_of(state: PipelineSnapshot, status_id: str) -> StatusSnapshot:
    for status in state.statuses:
        if status.id == status_id:
            return status
    raise StatusNotFound(state.id, status_id)
