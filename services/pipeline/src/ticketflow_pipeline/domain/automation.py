"""Ticket automation settings: the status-update triggers (email sent to the customer, customer
replied) and each status's ordered actions (customer email, internal notification)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

from ticketflow_contracts import (
    ActionKind,
    AutomationTriggers,
    CustomerTemplate,
    PipelineSnapshot,
    RecipientKind,
    StatusAction,
    StatusSnapshot,
    StatusTrigger,
    Tier,
)
from ticketflow_pipeline.domain.errors import ActionNotFound, InvalidPipeline
from ticketflow_pipeline.domain.statuses import status_of
from ticketflow_pipeline.domain.tiers import STARTER_PLUS, require_tier

FEATURE = "Ticket automation"
# HubSpot's defaults: an email to the customer waits on them, their reply waits on us.
EMAIL_SENT_DEFAULT = "Waiting on contact"
CUSTOMER_REPLIED_DEFAULT = "Waiting on us"
MAX_COMMENT_LENGTH = 1000
MAX_RECIPIENT_ID_LENGTH = 200
MAX_ACTIONS_PER_STATUS = 25

T = TypeVar("T")


def require_tier_for_automation(tier: Tier) -> None:
    require_tier(FEATURE, tier, STARTER_PLUS)


# -- status-update triggers ----------------------------------------------------------------


def effective_triggers(state: PipelineSnapshot) -> AutomationTriggers:
    """The triggers as they apply. A trigger never set (enabled, no target) takes HubSpot's
    default: the status with the default label, or disabled when there is none. A target
    that no longer exists reads as disabled."""
    return AutomationTriggers(
        email_sent=_effective(state.triggers.email_sent, EMAIL_SENT_DEFAULT, state.statuses),
        customer_replied=_effective(
            state.triggers.customer_replied, CUSTOMER_REPLIED_DEFAULT, state.statuses
        ),
    )


def _effective(
    trigger: StatusTrigger, default_label: str, statuses: list[StatusSnapshot]
) -> StatusTrigger:
    if trigger.status_id is None:
        if not trigger.enabled:
            return trigger
        wanted = default_label.casefold()
        match = next((s for s in statuses if s.label.casefold() == wanted), None)
        if match is None:
            return StatusTrigger(enabled=False, status_id=None)
        return StatusTrigger(enabled=True, status_id=match.id)
    if all(s.id != trigger.status_id for s in statuses):
        return StatusTrigger(enabled=False, status_id=None)
    return trigger


def check_triggers(state: PipelineSnapshot, triggers: AutomationTriggers) -> None:
    """Each target must be a status of the pipeline; an enabled trigger needs one. A disabled
    trigger may keep its target (the pipeline settings page remembers it)."""
    status_ids = {s.id for s in state.statuses}
    for field, trigger in (
        ("emailSent", triggers.email_sent),
        ("customerReplied", triggers.customer_replied),
    ):
        if trigger.status_id is None and trigger.enabled:
            raise InvalidPipeline(
                f"{field}.statusId is required when the trigger is enabled",
                f"{field}.statusId",
                "required",
            )
        if trigger.status_id is not None and trigger.status_id not in status_ids:
            raise InvalidPipeline(
                f"status {trigger.status_id!r} does not exist in pipeline {state.id!r}",
                f"{field}.statusId",
                "unknown_status",
            )


def prune_triggers(state: PipelineSnapshot) -> PipelineSnapshot:
    """The state with triggers whose target no longer exists turned off (not back to the
    default: the user chose that target). Pipeline.change applies it to every change."""
    status_ids = {s.id for s in state.statuses}

    def pruned(trigger: StatusTrigger) -> StatusTrigger:
        if trigger.status_id is None or trigger.status_id in status_ids:
            return trigger
        return StatusTrigger(enabled=False, status_id=None)

    triggers = AutomationTriggers(
        email_sent=pruned(state.triggers.email_sent),
        customer_replied=pruned(state.triggers.customer_replied),
    )
    if triggers == state.triggers:
        return state
    return state.model_copy(update={"triggers": triggers})


# -- status actions --------------------------------------------------------------------------


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP


@dataclass(frozen=True)
class NewAction:
    """An action as a request describes it; the domain checks which fields its kind needs."""

    kind: ActionKind
    template: CustomerTemplate | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ActionEdit:
    """A partial change: KEEP leaves a field as it is, None clears it. Changing the kind
    clears the fields of the old kind, changing the recipient kind clears the recipient id,
    unless the edit gives them anew."""

    kind: ActionKind | _Keep = KEEP
    template: CustomerTemplate | _Keep | None = KEEP
    recipient_kind: RecipientKind | _Keep | None = KEEP
    recipient_id: str | _Keep | None = KEEP
    comment: str | _Keep | None = KEEP


def with_action_added(
    state: PipelineSnapshot, status_id: str, action: NewAction, action_id: str
) -> tuple[list[StatusAction], StatusAction]:
    """The status's actions with `action` appended (its id `action_id`), and the new action."""
    current = list(status_of(state, status_id).actions)
    if len(current) >= MAX_ACTIONS_PER_STATUS:
        raise InvalidPipeline(
            f"a status holds at most {MAX_ACTIONS_PER_STATUS} actions", "actions", "too_many"
        )
    if any(a.id == action_id for s in state.statuses for a in s.actions):
        raise InvalidPipeline(f"action id {action_id!r} is already used", "id", "duplicate_id")
    added = _build(action, action_id)
    return [*current, added], added


def with_action_edited(
    state: PipelineSnapshot, status_id: str, action_id: str, edit: ActionEdit
) -> tuple[list[StatusAction], StatusAction]:
    """The status's actions with one action edited in place, and the edited action."""
    current = list(status_of(state, status_id).actions)
    index = _index(state.id, status_id, current, action_id)
    edited = _build(_merged(current[index], edit), action_id)
    return [*current[:index], edited, *current[index + 1 :]], edited


def without_action(
    state: PipelineSnapshot, status_id: str, action_id: str, and_following: bool
) -> list[StatusAction]:
    """Delete "this action", or "this action and all following" (HubSpot's two choices)."""
    current = list(status_of(state, status_id).actions)
    index = _index(state.id, status_id, current, action_id)
    return current[:index] if and_following else [*current[:index], *current[index + 1 :]]


def _index(pipeline_id: str, status_id: str, actions: list[StatusAction], action_id: str) -> int:
    for index, action in enumerate(actions):
        if action.id == action_id:
            return index
    raise ActionNotFound(pipeline_id, status_id, action_id)


def _pick(given: T | _Keep, fallback: T) -> T:
    return fallback if isinstance(given, _Keep) else given


def _merged(current: StatusAction, edit: ActionEdit) -> NewAction:
    kind = _pick(edit.kind, current.kind)
    same_kind = kind is current.kind
    recipient_kind = _pick(edit.recipient_kind, current.recipient_kind if same_kind else None)
    same_recipient = same_kind and recipient_kind is current.recipient_kind
    return NewAction(
        kind=kind,
        template=_pick(edit.template, current.template if same_kind else None),
        recipient_kind=recipient_kind,
        recipient_id=_pick(edit.recipient_id, current.recipient_id if same_recipient else None),
        comment=_pick(edit.comment, current.comment),
    )


def _build(action: NewAction, action_id: str) -> StatusAction:
    if action.kind is ActionKind.CUSTOMER_EMAIL:
        _require(action.template is not None, "template", "a customer email needs a template")
        _forbid(action.recipient_kind, "recipientKind", "a customer email goes to the customer")
        _forbid(action.recipient_id, "recipientId", "a customer email goes to the customer")
        recipient_id = None
    else:
        _forbid(action.template, "template", "an internal notification has no template")
        _require(
            action.recipient_kind is not None,
            "recipientKind",
            "an internal notification needs a recipientKind (user, team or owner)",
        )
        recipient_id = _recipient_id(action)
    return StatusAction(
        id=action_id,
        kind=action.kind,
        template=action.template,
        recipient_kind=action.recipient_kind,
        recipient_id=recipient_id,
        comment=_comment(action.comment),
    )


def _recipient_id(action: NewAction) -> str | None:
    if action.recipient_kind is RecipientKind.OWNER:
        _forbid(action.recipient_id, "recipientId", "the ticket owner is found on the ticket")
        return None
    cleaned = (action.recipient_id or "").strip()
    kind = action.recipient_kind.value if action.recipient_kind else "recipient"
    _require(bool(cleaned), "recipientId", f"a notification to a {kind} needs its recipientId")
    if len(cleaned) > MAX_RECIPIENT_ID_LENGTH:
        raise InvalidPipeline(
            f"recipientId is longer than {MAX_RECIPIENT_ID_LENGTH} characters",
            "recipientId",
            "too_long",
        )
    return cleaned


def _comment(comment: str | None) -> str | None:
    cleaned = (comment or "").strip()
    if len(cleaned) > MAX_COMMENT_LENGTH:
        raise InvalidPipeline(
            f"comment is {len(cleaned)} characters long; at most {MAX_COMMENT_LENGTH} are allowed",
            "comment",
            "too_long",
        )
    return cleaned or None


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise InvalidPipeline(message, field, "required")


def _forbid(value: object, field: str, reason: str) -> None:
    if value is not None:
        raise InvalidPipeline(f"{field} is not allowed here: {reason}", field, "not_allowed")
