"""Pipeline aggregate: a pipeline and its statuses, with everything configured per pipeline.

Its state is the published snapshot (contracts' PipelineSnapshot); every change raises the
revision and records the snapshot event replicas apply. Rules kept here: labels trimmed,
non-blank and unique within the pipeline; at most 100 statuses; always at least one Open and
one Closed status. Removing statuses or the pipeline itself is a retirement: the ticket
service must first confirm that no ticket is (or can come) in them (see retirement.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import (
    Event,
    PipelineCreated,
    PipelineDeleted,
    PipelineSnapshot,
    PipelineUpdated,
    StatusSnapshot,
    TicketState,
)
from ticketflow_pipeline.domain.automation import effective_triggers, prune_triggers
from ticketflow_pipeline.domain.errors import InvalidPipeline, PipelineInUse, StatusNotFound
from ticketflow_pipeline.domain.labels import clean_label, require_unique
from ticketflow_pipeline.domain.rules import prune_rules
from ticketflow_pipeline.domain.tiers import MAX_STATUSES_PER_PIPELINE

DEFAULT_PIPELINE_ID = "default"

# HubSpot's default ticket pipeline: stage ids 1-4, three open statuses and one closed.
_DEFAULT_STATUSES = (
    ("1", "New", TicketState.OPEN),
    ("2", "Waiting on contact", TicketState.OPEN),
    ("3", "Waiting on us", TicketState.OPEN),
    ("4", "Closed", TicketState.CLOSED),
)


@dataclass(frozen=True)
class NewStatus:
    """A status as a request describes it; `id` is None when the service should make one."""

    label: str
    ticket_state: TicketState
    display_order: int | None = None
    id: str | None = None


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
        for status in self.state.statuses:
            if status.id == status_id:
                return status
        raise StatusNotFound(self.id, status_id)

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
        built = _build_statuses(statuses, [], iter(new_status_ids), now)
        state = PipelineSnapshot(
            id=pipeline_id,
            label=clean_label(label),
            display_order=display_order,
            statuses=built,
            created_at=now,
            updated_at=now,
        )
        _check_statuses(state.statuses)
        # Store HubSpot's default triggers explicitly, so replicas need no rule to find them.
        state = state.model_copy(update={"triggers": effective_triggers(state)})
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
        [added] = _build_statuses([status], self.state.statuses, iter([new_id]), now)
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
        """The settings page's drag and drop: the full list of status ids, in order."""
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
        _check_statuses(remaining)
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
        matched = [_match_existing(s, self.state.statuses) for s in statuses]
        built = _build_statuses(matched, [], iter(new_status_ids), now, keep=self.state.statuses)
        _check_statuses(built)
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
        _check_statuses(state.statuses)
        # A removed status, or one turned Closed, must not stay a trigger target or a
        # creation status: replicas would receive dangling ids.
        state = prune_triggers(prune_rules(state))
        self.state = state.model_copy(update={"updated_at": now})
        self.revision += 1
        self.events.append(PipelineUpdated(revision=self.revision, pipeline=self.state))

    def _next_order(self) -> int:
        return max((s.display_order for s in self.state.statuses), default=-1) + 1


def _match_existing(status: NewStatus, existing: Sequence[StatusSnapshot]) -> NewStatus:
    if status.id is not None:
        return status
    for current in existing:
        if current.label.casefold() == " ".join(status.label.split()).casefold():
            return NewStatus(status.label, status.ticket_state, status.display_order, current.id)
    return status


def _build_statuses(
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


def _check_statuses(statuses: Sequence[StatusSnapshot]) -> None:
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
