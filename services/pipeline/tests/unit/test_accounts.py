"""Opening an account: its super admin and HubSpot's default Support pipeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import AccountCreated, PipelineCreated, TicketState, Tier
from ticketflow_pipeline.domain.accounts import open_account
from ticketflow_pipeline.domain.errors import InvalidAccount

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_an_account_opens_with_the_default_support_pipeline() -> None:
    opened = open_account("a1", " Acme ", Tier.STARTER, "u1", "Ada@Acme.test", NOW)

    pipeline = opened.pipeline
    assert (pipeline.id, pipeline.label, pipeline.revision) == ("default", "Support pipeline", 1)
    assert [(s.id, s.label, s.ticket_state) for s in pipeline.statuses] == [
        ("1", "New", TicketState.OPEN),
        ("2", "Waiting on contact", TicketState.OPEN),
        ("3", "Waiting on us", TicketState.OPEN),
        ("4", "Closed", TicketState.CLOSED),
    ]
    [created] = pipeline.events
    assert isinstance(created, PipelineCreated)
    assert created.revision == 1
    assert created.pipeline.statuses[0].label == "New"


def test_the_admin_is_a_super_admin_and_the_account_event_names_them() -> None:
    opened = open_account("a1", "Acme", Tier.FREE, "u1", "Ada@Acme.test", NOW)

    assert opened.admin.is_super_admin
    [event] = opened.account.events
    assert isinstance(event, AccountCreated)
    assert (event.name, event.admin_email, event.tier) == ("Acme", "ada@acme.test", Tier.FREE)


def test_a_blank_account_name_is_refused() -> None:
    with pytest.raises(InvalidAccount, match="name"):
        open_account("a1", "   ", Tier.FREE, "u1", "ada@acme.test", NOW)


@pytest.mark.parametrize("name", ["Acme\x1b[2J", "Acme\u202eemcA", "Acme\x00"])
def test_an_account_name_with_control_characters_is_refused(name: str) -> None:
    with pytest.raises(InvalidAccount, match="control characters"):
        open_account("a1", name, Tier.FREE, "u1", "ada@acme.test", NOW)
