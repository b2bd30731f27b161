"""The User aggregate: roles, teams, deactivation, and the events each change records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow_contracts import UserCreated, UserDeactivated, UserUpdated
from ticketflow_pipeline.domain.errors import DirectoryEntryInUse, InvalidDirectoryEntry
from ticketflow_pipeline.domain.users import Membership, new_user, require_other_super_admin

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_new_user_is_a_plain_user_with_a_lower_case_email() -> None:
    user = new_user("a1", "7", " Bob@Acme.Test ", NOW, first_name=" Bob ")

    assert (user.email, user.role_id, user.first_name, user.active) == (
        "bob@acme.test",
        "3",
        "Bob",
        True,
    )
    [event] = user.events
    assert isinstance(event, UserCreated)
    assert event.user.email == "bob@acme.test"


@pytest.mark.parametrize(
    ("membership", "field"),
    [
        (Membership("t9"), "primaryTeamId"),
        (Membership(None, ("t1", "t9")), "secondaryTeamIds"),
        (Membership("t1", ("t1",)), "secondaryTeamIds"),
        (Membership(None, ("t1", "t1")), "secondaryTeamIds"),
    ],
)
def test_teams_must_exist_and_appear_once(membership: Membership, field: str) -> None:
    with pytest.raises(InvalidDirectoryEntry) as refused:
        new_user("a1", "7", "b@acme.test", NOW, membership=membership, known_team_ids=["t1"])
    assert refused.value.errors[0].field == field


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(InvalidDirectoryEntry, match="role '9'"):
        new_user("a1", "7", "b@acme.test", NOW, role_id="9")


def test_a_change_records_an_update_and_no_change_records_nothing() -> None:
    user = new_user("a1", "7", "b@acme.test", NOW)
    user.events.clear()

    user.change("3", Membership(), [], NOW)
    assert user.events == []
    user.change("2", Membership("t1"), ["t1"], NOW)

    [event] = user.events
    assert isinstance(event, UserUpdated)
    assert (event.user.role_id, event.user.primary_team_id) == ("2", "t1")


def test_deactivation_keeps_the_user_inactive_and_records_it_once() -> None:
    user = new_user("a1", "7", "b@acme.test", NOW)
    user.events.clear()

    user.deactivate(NOW)
    user.deactivate(NOW)

    [event] = user.events
    assert isinstance(event, UserDeactivated)
    assert event.user.active is False


def test_the_last_super_admin_stays() -> None:
    admin = new_user("a1", "7", "b@acme.test", NOW, role_id="1")

    with pytest.raises(DirectoryEntryInUse, match="last super admin"):
        require_other_super_admin(admin, 1)
    require_other_super_admin(admin, 2)
