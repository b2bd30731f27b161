"""The one access rule every service reads: `PipelineAccess.level_for`."""

from __future__ import annotations

from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess


def grant(kind: GranteeKind, grantee: str, level: AccessLevel) -> AccessGrant:
    return AccessGrant(grantee_kind=kind, grantee_id=grantee, level=level)


def test_an_unrestricted_pipeline_is_open_to_everyone() -> None:
    assert PipelineAccess().level_for("anyone", []) is AccessLevel.EDIT


def test_a_restricted_pipeline_grants_the_highest_level_of_user_and_teams() -> None:
    access = PipelineAccess(
        restricted=True,
        grants=[
            grant(GranteeKind.USER, "ada", AccessLevel.VIEW),
            grant(GranteeKind.TEAM, "tier2", AccessLevel.EDIT),
        ],
    )
    assert access.level_for("ada", []) is AccessLevel.VIEW
    assert access.level_for("ada", ["tier2"]) is AccessLevel.EDIT
    assert access.level_for("bob", ["tier1"]) is None


def test_a_user_id_does_not_match_a_team_of_the_same_name() -> None:
    access = PipelineAccess(
        restricted=True, grants=[grant(GranteeKind.TEAM, "ada", AccessLevel.EDIT)]
    )
    assert access.level_for("ada", []) is None
