"""Pipeline aggregate: a pipeline and its statuses, with everything configured per pipeline.

Its state is the published snapshot (contracts' PipelineSnapshot); every change raises the
revision and records the snapshot event replicas apply. Rules kept here: labels trimmed,
non-blank and unique within the pipeline; at most 100 statuses; always at least one Open and
one Closed status. Removing statuses or the pipeline itself is a retirement: the ticket
service must first confirm that no ticket is (or can come) in them (see retirement.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import (
    AutomationTriggers,
    Event,
    PipelineCreated,
    PipelineDeleted,
    PipelineRules,
    PipelineSnapshot,
    PipelineUpdated,
    StatusAction,
    StatusSnapshot,
    TicketState,
)
from ticketflow_pipeline.domain import automation, rules
from ticketflow_pipeline.domain.automation import ActionEdit, NewAction
from ticketflow_pipeline.domain.errors import InvalidPipeline, PipelineInUse
from ticketflow_pipeline.domain.labels import clean_label, require_unique
from ticketflow_pipeline.domain.statuses import (
    NewStatus,
    build_statuses,
    check_statuses,
    match_existing,
    status_of,
)

DEFAULT_PIPELINE_ID = "default"

# HubSpot's default ticket pipeline: stage ids 1-4, three open statuses and one closed.
_DEFAULT_STATUSES = (
    ("1", "New", TicketState.OPEN),
    ("2", "Waiting on contact", TicketState.OPEN),
    ("3", "Waiting on us", TicketState.OPEN),
    ("4", "Closed", TicketState.CLOSED),
)


@dataclass(frozen=True)
class Retirement:
    """Statuses (or the whole pipeline) waiting for the ticket service to confirm they are
    empty and closed to tickets; `then` is the state to take once it has."""

    id: str
    status_ids: tuple[str, ...]
    whole_pipeline: bool
    move_to_status_id: str | None
    then: PipelineSnapshot


@dataclass
class Pipeline:
    account_id: str
    state: PipelineSnapshot
    revision: int
    retirement: Retirement | None = None
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def archived(self) -> bool:
        return self.state.archived

    @property
    def statuses(self) -> list[StatusSnapshot]:
        return sorted(self.state.statuses, key=lambda s: (s.display_order, s.id))

    def status(self, status_id: str) -> StatusSnapshot:
        return status_of(self.state, status_id)

    # -- creation --------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        account_id: str,
        pipeline_id: str,
        label: str,
        display_order: int,
        statuses: Sequence[NewStatus],
        new_status_ids: Sequence[str],
        now: datetime,
    ) -> Pipeline:
        """`new_status_ids` supplies ids for statuses that come without one."""
        built = build_statuses(statuses, [], iter(new_status_ids), now)
        state = PipelineSnapshot(
            id=pipeline_id,
            label=clean_label(label),
            display_order=display_order,
            statuses=built,
            created_at=now,
            updated_at=now,
        )
        check_statuses(state.statuses)
        # Store HubSpot's default triggers explicitly, so replicas need no rule to find them.
        state = state.model_copy(update={"triggers": automation.effective_triggers(state)})
        pipeline = cls(account_id, state, revision=1)
        pipeline.events.append(PipelineCreated(revision=1, pipeline=state))
        return pipeline

    @classmethod
    def default_support_pipeline(cls, account_id: str, now: datetime) -> Pipeline:
        return cls.create(
            account_id=account_id,
            pipeline_id=DEFAULT_PIPELINE_ID,
            label="Support pipeline",
            display_order=0,
            statuses=[
                NewStatus(label, state, order, status_id)
                for order, (status_id, label, state) in enumerate(_DEFAULT_STATUSES)
            ],
            new_status_ids=[],
            now=now,
        )

    # -- changes that keep every status ---------------------------------------------

    def update(
        self, *, now: datetime, label: str | None = None, display_order: int | None = None
    ) -> None:
        changes: dict[str, object] = {}
        if label is not None:
            changes["label"] = clean_label(label)
        if display_order is not None:
            changes["display_order"] = display_order
        self.change(self.state.model_copy(update=changes), now)

    def add_status(self, status: NewStatus, new_id: str, now: datetime) -> StatusSnapshot:
        [added] = build_statuses([status], self.state.statuses, iter([new_id]), now)
        if status.display_order is None:
            added = added.model_copy(update={"display_order": self._next_order()})
        self.change(self.state.model_copy(update={"statuses": [*self.state.statuses, added]}), now)
        return added

    def update_status(
        self,
        status_id: str,
        *,
        now: datetime,
        label: str | None = None,
        ticket_state: TicketState | None = None,
        display_order: int | None = None,
    ) -> StatusSnapshot:
        current = self.status(status_id)
        changes: dict[str, object] = {"updated_at": now}
        if label is not None:
            cleaned = clean_label(label)
            others = (s.label for s in self.state.statuses if s.id != status_id)
            require_unique(cleaned, others, "a status labelled")
            changes["label"] = cleaned
        if ticket_state is not None:
            changes["ticket_state"] = ticket_state
        if display_order is not None:
            changes["display_order"] = display_order
        updated = current.model_copy(update=changes)
        statuses = [updated if s.id == status_id else s for s in self.state.statuses]
        self.change(self.state.model_copy(update={"statuses": statuses}), now)
        return updated

    def reorder_statuses(self, ordered_ids: Sequence[str], now: datetime) -> None:
        """The pipeline settings page's drag and drop: the full list of status ids, in order."""
        current = {s.id for s in self.state.statuses}
        if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != current:
            raise InvalidPipeline(
                "the new order must list every status of the pipeline exactly once",
                "statusIds",
                "incomplete_order",
            )
        position = {status_id: order for order, status_id in enumerate(ordered_ids)}
        statuses = [
            s.model_copy(update={"display_order": position[s.id], "updated_at": now})
            for s in self.state.statuses
        ]
        self.change(self.state.model_copy(update={"statuses": statuses}), now)

    def replace_status(self, status_id: str, status: NewStatus, now: datetime) -> StatusSnapshot:
        """PUT of one status: every field given anew; the id stays."""
        return self.update_status(
            status_id,
            now=now,
            label=status.label,
            ticket_state=status.ticket_state,
            display_order=status.display_order if status.display_order is not None else 0,
        )

    # -- rules and automation (checked by their own modules, applied here) ---------------

    def change_rules(self, new_rules: PipelineRules, now: datetime) -> None:
        rules.check_rules(self.state, new_rules)
        self.change(self.state.model_copy(update={"rules": new_rules}), now)

    def change_triggers(self, triggers: AutomationTriggers, now: datetime) -> None:
        automation.check_triggers(self.state, triggers)
        self.change(self.state.model_copy(update={"triggers": triggers}), now)

    def effective_triggers(self) -> AutomationTriggers:
        return automation.effective_triggers(self.state)

    def actions(self, status_id: str) -> list[StatusAction]:
        return list(self.status(status_id).actions)

    def add_action(
        self, status_id: str, action: NewAction, action_id: str, now: datetime
    ) -> StatusAction:
        """Appended after the status's other actions; `action_id` is the new action's id."""
        actions, added = automation.with_action_added(self.state, status_id, action, action_id)
        self._replace_actions(status_id, actions, now)
        return added

    def edit_action(
        self, status_id: str, action_id: str, edit: ActionEdit, now: datetime
    ) -> StatusAction:
        actions, edited = automation.with_action_edited(self.state, status_id, action_id, edit)
        self._replace_actions(status_id, actions, now)
        return edited

    def delete_action(
        self, status_id: str, action_id: str, *, and_following: bool, now: datetime
    ) -> None:
        actions = automation.without_action(self.state, status_id, action_id, and_following)
        self._replace_actions(status_id, actions, now)

    def _replace_actions(self, status_id: str, actions: list[StatusAction], now: datetime) -> None:
        statuses = [
            s.model_copy(update={"actions": actions, "updated_at": now}) if s.id == status_id else s
            for s in self.state.statuses
        ]
        self.change(self.state.model_copy(update={"statuses": statuses}), now)

    # -- changes that retire statuses (the ticket service confirms first) ----------------

    def request_status_removal(
        self, status_id: str, move_to_status_id: str | None, retirement_id: str, now: datetime
    ) -> Retirement:
        self.status(status_id)
        if move_to_status_id is not None:
            if move_to_status_id == status_id:
                raise InvalidPipeline(
                    "tickets cannot be moved to the status being deleted", "moveTicketsTo"
                )
            self.status(move_to_status_id)
        remaining = [s for s in self.state.statuses if s.id != status_id]
        check_statuses(remaining)
        then = self.state.model_copy(update={"statuses": remaining, "updated_at": now})
        return self._retire((status_id,), False, move_to_status_id, retirement_id, then)

    def request_replacement(
        self,
        *,
        label: str,
        display_order: int,
        statuses: Sequence[NewStatus],
        new_status_ids: Sequence[str],
        retirement_id: str,
        now: datetime,
    ) -> Retirement | None:
        """PUT of the pipeline. Statuses keep their id when matched by id or by label; the
        ones left out retire first. None when nothing retires (the change is applied)."""
        matched = [match_existing(s, self.state.statuses) for s in statuses]
        built = build_statuses(matched, [], iter(new_status_ids), now, keep=self.state.statuses)
        check_statuses(built)
        then = self.state.model_copy(
            update={
                "label": clean_label(label),
                "display_order": display_order,
                "statuses": built,
                "updated_at": now,
            }
        )
        kept = {s.id for s in built}
        dropped = tuple(s.id for s in self.state.statuses if s.id not in kept)
        if not dropped:
            self.change(then, now)
            return None
        return self._retire(dropped, False, None, retirement_id, then)

    def request_deletion(self, retirement_id: str, now: datetime) -> Retirement:
        then = self.state.model_copy(update={"archived": True, "updated_at": now})
        status_ids = tuple(s.id for s in self.state.statuses)
        return self._retire(status_ids, True, None, retirement_id, then)

    def complete_retirement(self, retirement_id: str, now: datetime) -> bool:
        """The ticket service confirmed; False when this retirement is not the pending one."""
        if self.retirement is None or self.retirement.id != retirement_id:
            return False
        retirement, self.retirement = self.retirement, None
        if retirement.whole_pipeline:
            self.revision += 1
            self.state = retirement.then
            self.events.append(PipelineDeleted(revision=self.revision, pipeline=self.state))
        else:
            self.change(retirement.then, now)
        return True

    def abandon_retirement(self, retirement_id: str) -> bool:
        """The ticket service refused (tickets are there); nothing changes."""
        if self.retirement is None or self.retirement.id != retirement_id:
            return False
        self.retirement = None
        return True

    # -- internals ------------------------------------------------------------------------

    def _retire(
        self,
        status_ids: tuple[str, ...],
        whole_pipeline: bool,
        move_to: str | None,
        retirement_id: str,
        then: PipelineSnapshot,
    ) -> Retirement:
        self._require_no_retirement()
        self.retirement = Retirement(retirement_id, status_ids, whole_pipeline, move_to, then)
        return self.retirement

    def _require_no_retirement(self) -> None:
        if self.retirement is not None:
            raise PipelineInUse(
                f"pipeline {self.id!r} is waiting for the ticket service to confirm a deletion; "
                "try again in a moment"
            )

    def change(self, state: PipelineSnapshot, now: datetime) -> None:
        """Take a new state (checked against the status rules), raise the revision, record it."""
        self._require_no_retirement()
        if self.archived:
            raise PipelineInUse(f"pipeline {self.id!r} is deleted")
        check_statuses(state.statuses)
        # A removed status, or one turned Closed, must not stay a trigger target or a
        # creation status: replicas would receive dangling ids.
        state = automation.prune_triggers(rules.prune_rules(state))
        self.state = state.model_copy(update={"updated_at": now})
        self.revision += 1
        self.events.append(PipelineUpdated(revision=self.revision, pipeline=self.state))

    def _next_order(self) -> int:
        return max((s.display_order for s in self.state.statuses), default=-1) + 1
