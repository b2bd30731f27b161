"""Ticket aggregate: created into a status of a live pipeline that its gate keeps open, changed
property by property, moved between statuses (and pipelines) under the pipeline's rules,
archived; records its events. Every entry into a status passes the target pipeline's gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from ticketflow_contracts import (
    Event,
    SourceType,
    StatusSnapshot,
    TicketArchived,
    TicketCreated,
    TicketState,
    TicketStatusChanged,
    TicketUpdated,
    TriggerCause,
    UserRecord,
)
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain import rules
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.properties import (
    PIPELINE,
    STATUS,
    PropertyDefinitionReplica,
    Values,
    apply,
    changed,
    check_values,
    timestamp,
)
from ticketflow_ticket.domain.replicas import PipelineReplica

Definitions = Mapping[str, PropertyDefinitionReplica]
Owners = Mapping[str, UserRecord]
NO_OWNERS: Owners = MappingProxyType({})


@dataclass
class Entry:
    """The pipeline a status change enters (None when it does not exist for the actor) and
    its gate, which the caller saves with the ticket."""

    pipeline: PipelineReplica | None
    gate: PipelineGate


def _no_pipeline(pipeline_id: str) -> InvalidTicket:
    return InvalidTicket([ErrorDetail(f"pipeline {pipeline_id!r} does not exist", PIPELINE)])


def _live(pipeline: PipelineReplica | None, pipeline_id: str) -> PipelineReplica:
    if pipeline is None or not pipeline.accepts_tickets:
        raise _no_pipeline(pipeline_id)
    return pipeline


@dataclass
class Ticket:
    id: str
    account_id: str
    pipeline_id: str
    status_id: str
    values: Values
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    archived: bool = False
    archived_at: datetime | None = None
    # Associations (HubSpot's, not properties): who wrote in, and the conversation.
    contact_id: str | None = None
    conversation_id: str | None = None
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @classmethod
    def create(
        cls,
        *,
        ticket_id: str,
        account_id: str,
        pipeline: PipelineReplica | None,
        gate: PipelineGate,
        pipeline_id: str,
        status_id: str | None,
        values: Mapping[str, str | None],
        definitions: Definitions,
        owners: Owners = NO_OWNERS,
        requester: Requester,
        now: datetime,
        contact_id: str | None = None,
        conversation_id: str | None = None,
    ) -> Ticket:
        """`gate` is the pipeline's: the ticket is admitted through it (see gates.py);
        `values` are the properties other than hs_pipeline and hs_pipeline_stage;
        `contact_id` and `conversation_id` its associations (a ticket a channel created)."""
        live = _live(pipeline, pipeline_id)
        checked = apply({}, check_values(values, definitions, owners))
        status = rules.creation_status(live, gate, status_id, requester)
        rules.require_status_properties(status, checked, requester)
        gate.admit(status.id)
        closed = status.ticket_state is TicketState.CLOSED
        ticket = cls(ticket_id, account_id, pipeline_id, status.id, checked, now, now)
        ticket.closed_at = now if closed else None
        ticket.contact_id, ticket.conversation_id = contact_id, conversation_id
        ticket.events.append(
            TicketCreated(
                ticket_id=ticket_id,
                source_type=ticket.source_type,
                pipeline_id=pipeline_id,
                status_id=status.id,
                subject=ticket.subject,
                owner_id=ticket.owner_id,
                properties=dict(ticket.properties()),
                created_at=now,
                created_by=None if requester.is_automation else requester.user_id,
                actor=requester.actor,
                conversation_id=conversation_id,
                contact_id=contact_id,
            )
        )
        return ticket

    # -- reading --------------------------------------------------------------------------

    @property
    def subject(self) -> str | None:
        return self.values.get("subject")

    @property
    def owner_id(self) -> str | None:
        return self.values.get("hubspot_owner_id")

    @property
    def priority(self) -> str | None:
        return self.values.get("hs_ticket_priority")

    @property
    def source_type(self) -> SourceType | None:
        source = self.values.get("source_type")
        return SourceType(source) if source else None

    @property
    def state(self) -> TicketState:
        return TicketState.CLOSED if self.closed_at is not None else TicketState.OPEN

    def properties(self) -> dict[str, str]:
        """Every property that has a value, by HubSpot name, as HubSpot returns them
        (strings), the computed ones included."""
        computed = {
            PIPELINE: self.pipeline_id,
            STATUS: self.status_id,
            "hs_object_id": self.id,
            "createdate": timestamp(self.created_at),
            "hs_lastmodifieddate": timestamp(self.updated_at),
            "hs_is_closed": "true" if self.closed_at else "false",
        }
        if self.closed_at is not None:
            computed["closed_date"] = timestamp(self.closed_at)
            millis = (self.closed_at - self.created_at).total_seconds() * 1000
            computed["time_to_close"] = str(max(0, round(millis)))
        return {**self.values, **computed}

    # -- changing -------------------------------------------------------------------------

    def requested_move(self, changes: Mapping[str, str | None]) -> tuple[str, str] | None:
        """The (pipeline, status) that `changes` move the ticket into; None when they leave
        it where it is. Moving to another pipeline needs its status too (as in HubSpot)."""
        problems = [
            ErrorDetail(f"{name} cannot be cleared", name, "REQUIRED")
            for name in (PIPELINE, STATUS)
            if name in changes and not changes[name]
        ]
        if problems:
            raise InvalidTicket(problems)
        pipeline_id = changes.get(PIPELINE) or self.pipeline_id
        status_id = changes.get(STATUS)
        if pipeline_id != self.pipeline_id and not status_id:
            message = f"moving the ticket to pipeline {pipeline_id!r} needs {STATUS} too"
            raise InvalidTicket([ErrorDetail(message, STATUS, "REQUIRED")])
        if status_id is None or (pipeline_id, status_id) == (self.pipeline_id, self.status_id):
            return None
        return pipeline_id, status_id

    def update(
        self,
        changes: Mapping[str, str | None],
        *,
        definitions: Definitions,
        owners: Owners = NO_OWNERS,
        requester: Requester,
        now: datetime,
        entry: Entry | None = None,
    ) -> bool:
        """Apply HubSpot property `changes`; `entry` is the pipeline the requested move
        (`requested_move`) enters, and its gate. Everything is checked before anything
        changes. False when nothing changed (nothing recorded)."""
        move = self.requested_move(changes)
        if (move is None) != (entry is None):
            raise ValueError("pass the entry exactly when the changes move the ticket")
        rest = {k: v for k, v in changes.items() if k not in (PIPELINE, STATUS)}
        values = apply(self.values, check_values(rest, definitions, owners))
        target: tuple[PipelineReplica, StatusSnapshot] | None = None
        if move is not None and entry is not None:
            pipeline = _live(entry.pipeline, move[0])
            entry.gate.require_open()
            status = rules.entered_status(pipeline, entry.gate, move[1])
            if pipeline.pipeline.id == self.pipeline_id:
                rules.check_move(pipeline, self.status_id, status, requester)
            rules.require_status_properties(status, values, requester)
            target = pipeline, status
        property_changes = changed(self.values, values)
        if target is None and not property_changes:
            return False
        previous = {name: self.values.get(name) for name in property_changes}
        self.values = values
        if target is not None and entry is not None:
            self._enter(target[0], target[1], entry.gate, requester, now)
        if property_changes:
            self.events.append(
                TicketUpdated(
                    ticket_id=self.id,
                    source_type=self.source_type,
                    pipeline_id=self.pipeline_id,
                    status_id=self.status_id,
                    properties=property_changes,
                    previous_properties=previous,
                    actor=requester.actor,
                    updated_at=now,
                )
            )
        self.updated_at = now
        return True

    def move_to(
        self,
        pipeline: PipelineReplica | None,
        status_id: str,
        gate: PipelineGate,
        now: datetime,
        requester: Requester | None = None,
        cause: TriggerCause | None = None,
    ) -> None:
        """Into another status of `pipeline`, through its `gate` (save both); automation
        (the retirement saga) by default, which pipeline rules do not bind. `cause`: the
        status-update trigger's firing, when one made the move."""
        actor = requester or Requester.automation()
        live = _live(pipeline, self.pipeline_id)
        status = rules.entered_status(live, gate, status_id)
        if live.pipeline.id == self.pipeline_id:
            rules.check_move(live, self.status_id, status, actor)
        rules.require_status_properties(status, self.values, actor)
        self._enter(live, status, gate, actor, now, cause)
        self.updated_at = now

    def _enter(
        self,
        pipeline: PipelineReplica,
        status: StatusSnapshot,
        gate: PipelineGate,
        requester: Requester,
        now: datetime,
        cause: TriggerCause | None = None,
    ) -> None:
        gate.admit(status.id)
        before_pipeline, before_status, before_state = self.pipeline_id, self.status_id, self.state
        self.pipeline_id, self.status_id = pipeline.pipeline.id, status.id
        if status.ticket_state is TicketState.CLOSED:
            # Open -> Closed starts the clock's end; Closed -> Closed keeps the first close.
            self.closed_at = self.closed_at or now
        else:
            self.closed_at = None  # reopened: HubSpot clears close date and time to close
        self.events.append(
            TicketStatusChanged(
                ticket_id=self.id,
                source_type=self.source_type,
                pipeline_id=self.pipeline_id,
                from_pipeline_id=before_pipeline if before_pipeline != self.pipeline_id else None,
                from_status_id=before_status,
                from_state=before_state,
                to_status_id=status.id,
                to_state=status.ticket_state,
                actor=requester.actor,
                changed_at=now,
                cause=cause,
            )
        )

    def archive(self, requester: Requester, now: datetime) -> bool:
        """HubSpot's delete; False when it was archived already (nothing recorded)."""
        if self.archived:
            return False
        self.archived, self.archived_at, self.updated_at = True, now, now
        self.events.append(
            TicketArchived(
                ticket_id=self.id,
                source_type=self.source_type,
                pipeline_id=self.pipeline_id,
                status_id=self.status_id,
                actor=requester.actor,
                archived_at=now,
            )
        )
        return True
