"""Ticket events, published by the ticket service.

Every ticket event carries the ticket's `source_type`, so that its routing key ends with the
source channel (`ticket.status_changed.chat`); a ticket without a source has no suffix.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event
from ticketflow_contracts.pipelines import TicketState
from ticketflow_contracts.sources import SourceType


class TicketEvent(Event):
    prefix = "ticket"

    ticket_id: str
    source_type: SourceType | None = None

    def source_channel(self) -> str | None:
        return self.source_type.channel if self.source_type else None


class ActorKind(StrEnum):
    """Who or what changed a ticket: a person, a status-update trigger, or automation (the
    pipeline retirement saga, a bulk move, a workflow)."""

    USER = "user"
    TRIGGER = "trigger"
    AUTOMATION = "automation"


class Actor(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: ActorKind
    id: str | None = Field(
        default=None, description="the user id, the trigger's name or the automation's name"
    )


class TicketCreated(TicketEvent):
    pipeline_id: str
    status_id: str
    subject: str | None = None
    owner_id: str | None = None
    properties: dict[str, str | None] = Field(default_factory=dict)
    created_at: datetime
    created_by: str | None = Field(default=None, description="user id, or None for automation")
    actor: Actor | None = Field(
        default=None,
        description="who or what created it (absent from events recorded before it was added)",
    )
    conversation_id: str | None = Field(
        default=None,
        description="the channels conversation (thread) it was created for, if any",
    )
    contact_id: str | None = Field(
        default=None, description="the contact associated with it (who wrote in), if any"
    )


class TriggerCause(BaseModel):
    """What fired a status-update trigger: the trigger (`email_sent`, `customer_replied`)
    and the conversation message that did it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    trigger: str
    message_id: str
    thread_id: str | None = None


class TicketStatusChanged(TicketEvent):
    """A ticket entered another status (`ticket.status_changed[.<source>]`), perhaps of
    another pipeline (then `from_pipeline_id` names the one it left)."""

    pipeline_id: str
    from_pipeline_id: str | None = Field(
        default=None, description="set only when the ticket moved to another pipeline"
    )
    from_status_id: str
    from_state: TicketState
    to_status_id: str
    to_state: TicketState
    actor: Actor
    changed_at: datetime
    cause: TriggerCause | None = Field(
        default=None, description="set when a status-update trigger made the move"
    )


class TicketUpdated(TicketEvent):
    """Properties other than the pipeline and status changed (`ticket.updated[.<source>]`);
    a status change is `ticket.status_changed`, even when both happen in one update."""

    pipeline_id: str
    status_id: str
    properties: dict[str, str | None] = Field(
        description="the changed properties and their new values; None when cleared"
    )
    previous_properties: dict[str, str | None] | None = Field(
        default=None,
        description="the same properties' values before the change (None when empty); "
        "absent from events recorded before it was added",
    )
    actor: Actor
    updated_at: datetime


class TicketNoteAdded(TicketEvent):
    """Someone added a note to a ticket's timeline (`ticket.note_added[.<source>]`): an agent
    or an integration (a workflow subscriber) through the API."""

    note_id: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=65_536)
    actor: Actor


class TicketArchived(TicketEvent):
    """A ticket was archived (HubSpot's delete) (`ticket.archived[.<source>]`)."""

    pipeline_id: str
    status_id: str
    actor: Actor
    archived_at: datetime
