"""API tokens: a super admin issues one for a user (the token itself is shown once, never
stored), lists them (id, name, created, expires, revoked) and revokes one; every service then
refuses it (`token.revoked`). A token carries its user's role and teams as they were when it
was issued; a deactivated user's tokens are refused everywhere (`user.deactivated`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketflow_contracts import Event, TokenRevoked, forbidden_control_characters
from ticketflow_pipeline.domain.errors import InvalidDirectoryEntry, UserNotFound
from ticketflow_pipeline.domain.roles import ROLES_BY_ID
from ticketflow_pipeline.domain.users import User

# HubSpot's private-app tokens do not expire; ours last a year, and are revoked sooner.
API_TOKEN_LIFETIME = timedelta(days=365)
MAX_TOKEN_NAME_LENGTH = 100


@dataclass
class ApiToken:
    id: str
    account_id: str
    user_id: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @classmethod
    def issue(
        cls, token_id: str, user: User | None, user_id: str, name: str, now: datetime
    ) -> ApiToken:
        """For an active user of the account (else UserNotFound); `name` says what it is for."""
        if user is None or not user.active:
            raise UserNotFound(user_id)
        name = name.strip()
        if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
            raise InvalidDirectoryEntry(
                f"a token needs a name of 1 to {MAX_TOKEN_NAME_LENGTH} characters", "name"
            )
        if forbidden_control_characters(name):
            raise InvalidDirectoryEntry("a token's name must not hold control characters", "name")
        return cls(token_id, user.account_id, user.id, name, now, now + API_TOKEN_LIFETIME)

    def used(self, at: datetime) -> bool:
        """Keeps the latest use reported (reports of several services arrive in any order);
        False when `at` is not newer."""
        if self.last_used_at is not None and at <= self.last_used_at:
            return False
        self.last_used_at = at
        return True

    def revoke(self, now: datetime) -> bool:
        """False when it was revoked already (nothing changes, nothing is published)."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = now
        self.events.append(
            TokenRevoked(
                token_id=self.id,
                user_id=self.user_id,
                revoked_at=now,
                expires_at=self.expires_at,
            )
        )
        return True


def token_roles(user: User) -> frozenset[str]:
    """The token roles of the user's role (`super_admin`, `property_settings_editor`, none)."""
    claim = ROLES_BY_ID[user.role_id].claim
    return frozenset({claim}) if claim else frozenset()
