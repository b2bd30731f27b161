"""Contact aggregate: a person who writes in. One per email address per account (compared in
any case); the display name is the one the sender gave last. A change records its event
with the next revision, for replicas."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_channels.domain.errors import InvalidContact
from ticketflow_contracts import (
    ContactCreated,
    ContactSnapshot,
    ContactUpdated,
    Event,
    forbidden_control_characters,
)

MAX_DISPLAY_NAME = 200
MAX_EMAIL = 320


def email_key(address: str) -> str:
    """How addresses compare: trimmed, in any case."""
    return address.strip().lower()


def _clean_name(display_name: str | None) -> str | None:
    if display_name is None:
        return None
    name = " ".join(display_name.split())[:MAX_DISPLAY_NAME]
    if forbidden_control_characters(name):
        name = "".join(c for c in name if c.isprintable())
    return name or None


@dataclass
class Contact:
    account_id: str
    state: ContactSnapshot
    revision: int
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @property
    def id(self) -> str:
        return self.state.id

    @classmethod
    def from_email(
        cls,
        contact_id: str,
        account_id: str,
        address: str,
        display_name: str | None,
        now: datetime,
    ) -> Contact:
        email = email_key(address)
        if "@" not in email or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
            raise InvalidContact(f"{address!r} is not an email address", "email")
        state = ContactSnapshot(
            id=contact_id,
            email=email,
            display_name=_clean_name(display_name),
            created_at=now,
            updated_at=now,
        )
        contact = cls(account_id, state, revision=1)
        contact.events.append(ContactCreated(revision=1, contact=state))
        return contact

    def seen_as(self, display_name: str | None, now: datetime) -> bool:
        """The sender wrote again under `display_name`: kept when it is a new, non-empty one
        (an absent name never erases a known one); False when nothing changed."""
        name = _clean_name(display_name)
        if name is None or name == self.state.display_name:
            return False
        self.state = self.state.model_copy(update={"display_name": name, "updated_at": now})
        self.revision += 1
        self.events.append(ContactUpdated(revision=self.revision, contact=self.state))
        return True
