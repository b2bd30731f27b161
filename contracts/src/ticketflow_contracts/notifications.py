"""Notification events, published by the notifier (the owner of templates and deliveries).

`notification.sent[.<source>]`: a customer email or an internal notification about a ticket
left the notifier (a status action ran). The ticket's timeline and the conversation record
show it with its link and time. The key ends with the ticket's source channel, as ticket
events do, so a workflow subscriber following `*.*.chat` sees these too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event
from ticketflow_contracts.pipelines import ActionKind
from ticketflow_contracts.sources import SourceType


class NotificationRecipientKind(StrEnum):
    """Who received it: the ticket's contact (a customer email), a user or a team (an internal
    notification; a status action addressed to the ticket owner names the owning user)."""

    CONTACT = "contact"
    USER = "user"
    TEAM = "team"


class NotificationRecipient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: NotificationRecipientKind
    id: str | None = Field(
        default=None, description="the user's or team's id; the contact's id when it has one"
    )
    address: str | None = Field(
        default=None, description="where it was delivered: an email address; None in-app"
    )
    name: str | None = Field(default=None, description="the display name, when known")


class NotificationSent(Event):
    """A notification about a ticket was delivered (`notification.sent[.<source>]`).

    One event per recipient: a team notification sent to five users is five events, each
    with its own `delivery_id`.
    """

    prefix = "notification"

    delivery_id: str = Field(
        min_length=1, description="the notifier's delivery id, unique within the account"
    )
    ticket_id: str = Field(min_length=1, description="the ticket the notification is about")
    source_type: SourceType | None = Field(
        default=None, description="the ticket's source; its channel suffixes the routing key"
    )
    kind: ActionKind = Field(description="customer_email or internal_notification")
    recipient: NotificationRecipient
    template: str | None = Field(
        default=None,
        description="the template it was rendered from (`ticket_received`, `ticket_closed` or "
        "an account's own template id); None for a notification without one",
    )
    subject: str | None = Field(default=None, description="the email's subject or the title")
    link: str | None = Field(
        default=None, description="a URL that shows the delivery (the sent email, say)"
    )
    status_action_id: str | None = Field(
        default=None, description="the status action that sent it, when one did"
    )
    pipeline_id: str | None = None
    status_id: str | None = Field(default=None, description="the status whose action sent it")
    sent_at: datetime

    def source_channel(self) -> str | None:
        return self.source_type.channel if self.source_type else None

    def aggregate_id(self) -> str | None:
        return self.delivery_id
