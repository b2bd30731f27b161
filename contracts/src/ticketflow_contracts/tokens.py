"""Token events, published by the pipeline service (which issues a user's API tokens): every
service refuses a revoked token from the moment the event reaches it."""

from __future__ import annotations

from datetime import datetime

from ticketflow_contracts.messages import Event


class TokenRevoked(Event):
    prefix = "token"

    token_id: str
    user_id: str
    revoked_at: datetime
    # After it the token is refused for its age anyway: services may forget the revocation.
    expires_at: datetime


class TokenUsed(Event):
    """A service saw the token in use; reported at most once a reporting interval per token
    and service, for the token list's "last used"."""

    prefix = "token"

    token_id: str
    user_id: str
    last_used_at: datetime
