"""Grants and recipients against the directory: each names an active user or a team of the
account, every unknown one reported with its field."""

from __future__ import annotations

import pytest

from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    ActionKind,
    CustomerTemplate,
    GranteeKind,
    PipelineAccess,
    RecipientKind,
    StatusAction,
)
from ticketflow_pipeline.domain.directory_usage import (
    Known,
    named_by_action,
    require_known_grantees,
    require_known_recipient,
)
from ticketflow_pipeline.domain.errors import UnknownDirectoryEntry

KNOWN = Known(user_ids=frozenset({"7"}), team_ids=frozenset({"40"}))


def _access(*grants: tuple[GranteeKind, str]) -> PipelineAccess:
    return PipelineAccess(
        restricted=True,
        grants=[
            AccessGrant(grantee_kind=k, grantee_id=i, level=AccessLevel.VIEW) for k, i in grants
        ],
    )


def _notify(kind: RecipientKind, recipient_id: str | None) -> StatusAction:
    return StatusAction(
        id="a1",
        kind=ActionKind.INTERNAL_NOTIFICATION,
        recipient_kind=kind,
        recipient_id=recipient_id,
    )


def test_grants_to_known_users_and_teams_pass() -> None:
    require_known_grantees(_access((GranteeKind.USER, "7"), (GranteeKind.TEAM, "40")), KNOWN)


def test_every_unknown_grantee_is_reported_with_its_field_and_id() -> None:
    access = _access(
        (GranteeKind.USER, "7"),
        (GranteeKind.USER, "no-such-user"),
        (GranteeKind.TEAM, "7"),  # a user's id is no team's
    )

    with pytest.raises(UnknownDirectoryEntry) as refused:
        require_known_grantees(access, KNOWN)

    details = [(d.field, d.code) for d in refused.value.errors]
    assert details == [
        ("grants.1.granteeId", "unknown_user"),
        ("grants.2.granteeId", "unknown_team"),
    ]
    assert "'no-such-user'" in refused.value.message


def test_a_notification_to_an_unknown_user_or_team_is_refused_on_recipient_id() -> None:
    for action in (_notify(RecipientKind.USER, "8"), _notify(RecipientKind.TEAM, "41")):
        with pytest.raises(UnknownDirectoryEntry) as refused:
            require_known_recipient(action, KNOWN)
        assert [d.field for d in refused.value.errors] == ["recipientId"]


def test_owner_notifications_and_customer_emails_name_nobody() -> None:
    owner = _notify(RecipientKind.OWNER, None)
    email = StatusAction(
        id="a2", kind=ActionKind.CUSTOMER_EMAIL, template=CustomerTemplate.TICKET_CLOSED
    )

    assert named_by_action(owner) == named_by_action(email) == []
    require_known_recipient(owner, Known())
