"""Pipeline events: each carries the full pipeline snapshot with a rising `revision`.

The snapshot holds everything configured per pipeline: statuses (with the properties a
ticket fills on entering them and their actions), rules, access and automation triggers.
A replica applies a snapshot only when its revision is newer than the one it holds, so
the order and duplication of these events do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event


class TicketState(StrEnum):
    """HubSpot's stage `metadata.ticketState`."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StatusProperty(_Part):
    """A ticket property to fill when a ticket enters the status."""

    name: str
    required: bool = False


class ActionKind(StrEnum):
    CUSTOMER_EMAIL = "customer_email"
    INTERNAL_NOTIFICATION = "internal_notification"


class CustomerTemplate(StrEnum):
    TICKET_RECEIVED = "ticket_received"
    TICKET_CLOSED = "ticket_closed"


class RecipientKind(StrEnum):
    USER = "user"
    TEAM = "team"
    OWNER = "owner"


class StatusAction(_Part):
    """What happens when a ticket reaches the status: an email to the customer from a
    template, or an internal notification to a user, a team or the ticket owner."""

    id: str
    kind: ActionKind
    template: CustomerTemplate | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: str | None = None
    comment: str | None = None


class StatusSnapshot(_Part):
    id: str
    label: str
    display_order: int
    ticket_state: TicketState
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    properties: list[StatusProperty] = Field(default_factory=list)
    actions: list[StatusAction] = Field(default_factory=list)


class PipelineRules(_Part):
    """HubSpot's pipeline rules; the ticket service enforces them (admins and automation
    bypass them)."""

    creation_status_ids: list[str] = Field(
        default_factory=list, description="statuses a ticket may be created in; empty: any"
    )
    forbid_skipping: bool = False
    forbid_backwards: bool = False


class AccessLevel(StrEnum):
    VIEW = "view"
    EDIT = "edit"


class GranteeKind(StrEnum):
    USER = "user"
    TEAM = "team"


class AccessGrant(_Part):
    grantee_kind: GranteeKind
    grantee_id: str
    level: AccessLevel


class PipelineAccess(_Part):
    """Everyone, or (restricted) only the listed users and teams."""

    restricted: bool = False
    grants: list[AccessGrant] = Field(default_factory=list)

    def level_for(self, user_id: str, teams: Iterable[str]) -> AccessLevel | None:
        """What a (non-super-admin) user may do with the pipeline's tickets: EDIT for everyone
        when unrestricted, else the highest level granted to the user or one of their teams,
        None when nothing is. One rule, read by every service that enforces access."""
        if not self.restricted:
            return AccessLevel.EDIT
        team_ids = set(teams)
        levels = {
            grant.level
            for grant in self.grants
            if (grant.grantee_kind is GranteeKind.USER and grant.grantee_id == user_id)
            or (grant.grantee_kind is GranteeKind.TEAM and grant.grantee_id in team_ids)
        }
        if AccessLevel.EDIT in levels:
            return AccessLevel.EDIT
        return AccessLevel.VIEW if levels else None


class StatusTrigger(_Part):
    enabled: bool = True
    status_id: str | None = None


class AutomationTriggers(_Part):
    """HubSpot's status-update triggers: on an email sent to the customer from the ticket,
    and on a customer's email reply, the ticket moves to a status."""

    email_sent: StatusTrigger = Field(default_factory=StatusTrigger)
    customer_replied: StatusTrigger = Field(default_factory=StatusTrigger)


class PipelineSnapshot(_Part):
    id: str = Field(description="unique within the account; the first pipeline is `default`")
    label: str
    display_order: int
    archived: bool = False
    statuses: list[StatusSnapshot]
    created_at: datetime
    updated_at: datetime
    rules: PipelineRules = Field(default_factory=PipelineRules)
    access: PipelineAccess = Field(default_factory=PipelineAccess)
    triggers: AutomationTriggers = Field(default_factory=AutomationTriggers)


class PipelineSnapshotEvent(Event):
    prefix = "pipeline"

    revision: int = Field(ge=1, description="rises with every change of this pipeline")
    pipeline: PipelineSnapshot

    def aggregate_id(self) -> str | None:
        return self.pipeline.id


class PipelineCreated(PipelineSnapshotEvent):
    pass


class PipelineUpdated(PipelineSnapshotEvent):
    pass


class PipelineDeleted(PipelineSnapshotEvent):
    """The last snapshot, with `archived` true; a replica keeps it as a tombstone."""
