"""Contact events, published by the channels service (which owns contacts: the people who
write in, one per email address per account; later also per chat visitor and Messenger
user). Each carries the whole contact and a revision, so a replica keeps the newest."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ticketflow_contracts.messages import Event


class ContactSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(description="unique within the account")
    email: str | None = Field(default=None, description="lower-cased; unique in the account")
    display_name: str | None = Field(default=None, description="as the sender gave it last")
    created_at: datetime
    updated_at: datetime


class ContactEvent(Event):
    prefix = "contact"

    revision: int = Field(ge=1)
    contact: ContactSnapshot

    def aggregate_id(self) -> str | None:
        return self.contact.id


class ContactCreated(ContactEvent):
    pass


class ContactUpdated(ContactEvent):
    pass
