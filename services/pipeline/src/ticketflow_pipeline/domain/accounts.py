"""Account aggregate: an account opens with a super admin and the default Support pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_contracts import AccountCreated, Event, Tier, forbidden_control_characters
from ticketflow_pipeline.domain.errors import InvalidAccount
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.roles import SUPER_ADMIN_ROLE
from ticketflow_pipeline.domain.users import User, new_user


@dataclass
class Account:
    id: str
    name: str
    tier: Tier
    created_at: datetime
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class OpenedAccount:
    account: Account
    admin: User
    pipeline: Pipeline


def open_account(
    account_id: str, name: str, tier: Tier, admin_user_id: str, admin_email: str, now: datetime
) -> OpenedAccount:
    forbidden = forbidden_control_characters(name)
    if forbidden:
        raise InvalidAccount(
            f"an account name must not hold control characters ({', '.join(forbidden)})", "name"
        )
    name = name.strip()
    if not name:
        raise InvalidAccount("an account needs a name that is not blank", "name")
    account = Account(account_id, name, tier, now)
    admin = new_user(account_id, admin_user_id, admin_email, now, role_id=SUPER_ADMIN_ROLE.id)
    account.events.append(
        AccountCreated(
            account_id=account_id,
            name=name,
            tier=tier,
            admin_user_id=admin.id,
            admin_email=admin.email,
            created_at=now,
        )
    )
    return OpenedAccount(account, admin, Pipeline.default_support_pipeline(account_id, now))
