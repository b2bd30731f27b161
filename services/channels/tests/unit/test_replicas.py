"""What channels keeps of an account."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_channels.domain.replicas import AccountReplica
from ticketflow_contracts import AccountCreated, Tier


def test_an_account_replica_keeps_name_and_tier() -> None:
    event = AccountCreated(
        account_id="a1",
        name="Acme",
        tier=Tier.ENTERPRISE,
        admin_user_id="u1",
        admin_email="ada@acme.test",
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
    )
    assert AccountReplica.from_created(event) == AccountReplica("a1", "Acme", Tier.ENTERPRISE)
