"""Account events, published by the pipeline service (the owner of accounts, users and teams)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from ticketflow_contracts.messages import Event


class Tier(StrEnum):
    FREE = "free"
    STARTER = "starter"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"


class AccountCreated(Event):
    prefix = "account"

    account_id: str
    name: str = Field(min_length=1)
    tier: Tier
    admin_user_id: str
    admin_email: str
    created_at: datetime
