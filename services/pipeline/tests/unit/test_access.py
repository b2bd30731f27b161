"""Pipeline access: who sees and who may change a pipeline, the access setting's rules, and
reordering when some pipelines are hidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import (
    AccessGrant,
    AccessLevel,
    GranteeKind,
    PipelineAccess,
    PipelineUpdated,
    TicketState,
    Tier,
)
from ticketflow_pipeline.domain.access import (
    Requester,
    arrange,
    can_edit,
    can_view,
    change_access,
    require_edit,
    require_tier_for_access,
    require_view,
)
from ticketflow_pipeline.domain.errors import (
    FeatureNotInTier,
    InvalidPipeline,
    NotAllowed,
    PipelineNotFound,
)
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
USER, TEAM = GranteeKind.USER, GranteeKind.TEAM
VIEW, EDIT = AccessLevel.VIEW, AccessLevel.EDIT
EDITOR = Requester("u1", frozenset({"t1"}), is_property_settings_editor=True)
AGENT = Requester("u1", frozenset({"t1"}))
ADMIN = Requester("boss", is_super_admin=True)


def restricted(*grants: tuple[GranteeKind, str, AccessLevel]) -> PipelineAccess:
    return PipelineAccess(
        restricted=True,
        grants=[AccessGrant(grantee_kind=k, grantee_id=i, level=lv) for k, i, lv in grants],
    )


def pipeline(pipeline_id: str = "p1", access: PipelineAccess | None = None) -> Pipeline:
    created = Pipeline.create(
        account_id="a1",
        pipeline_id=pipeline_id,
        label=f"Pipeline {pipeline_id}",
        display_order=0,
        statuses=[NewStatus("Open", TicketState.OPEN), NewStatus("Done", TicketState.CLOSED)],
        new_status_ids=["s1", "s2"],
        now=NOW,
    )
    if access is not None:
        created.state = created.state.model_copy(update={"access": access})
    created.events.clear()
    return created


# -- can_view / can_edit --------------------------------------------------------------------


def test_everyone_in_the_account_sees_an_unrestricted_pipeline() -> None:
    assert can_view(PipelineAccess(), "anyone", [], is_super_admin=False)


def test_a_restricted_pipeline_is_seen_through_a_user_or_a_team_grant_only() -> None:
    access = restricted((USER, "u1", VIEW), (TEAM, "t9", VIEW))

    assert can_view(access, "u1", [], is_super_admin=False)
    assert can_view(access, "u2", ["t9"], is_super_admin=False)
    assert not can_view(access, "u2", ["t1"], is_super_admin=False)


def test_a_user_id_does_not_match_a_team_grant_of_the_same_id() -> None:
    assert not can_view(restricted((TEAM, "u1", EDIT)), "u1", [], is_super_admin=False)


def test_a_restricted_pipeline_without_grants_is_seen_by_super_admins_only() -> None:
    assert can_view(restricted(), "boss", [], is_super_admin=True)
    assert not can_view(restricted(), "u1", ["t1"], is_super_admin=False)


def test_super_admins_may_always_edit() -> None:
    assert can_edit(
        restricted(), "boss", [], is_super_admin=True, is_property_settings_editor=False
    )


def test_editing_needs_the_settings_permission_even_with_an_edit_grant() -> None:
    access = restricted((USER, "u1", EDIT))

    assert not can_edit(access, "u1", [], is_super_admin=False, is_property_settings_editor=False)
    assert not can_edit(
        PipelineAccess(), "u1", [], is_super_admin=False, is_property_settings_editor=False
    )


def test_a_settings_editor_edits_an_unrestricted_pipeline() -> None:
    assert can_edit(
        PipelineAccess(), "u1", [], is_super_admin=False, is_property_settings_editor=True
    )


def test_a_view_grant_lets_a_settings_editor_see_but_not_edit() -> None:
    access = restricted((USER, "u1", VIEW))

    assert can_view(access, "u1", [], is_super_admin=False)
    assert not can_edit(access, "u1", [], is_super_admin=False, is_property_settings_editor=True)


def test_the_highest_level_granted_to_the_user_or_their_teams_wins() -> None:
    access = restricted((USER, "u1", VIEW), (TEAM, "t1", EDIT))

    assert can_edit(access, "u1", ["t1"], is_super_admin=False, is_property_settings_editor=True)


# -- checks on a pipeline -------------------------------------------------------------------


def test_a_hidden_pipeline_is_not_found_for_reads_and_for_changes() -> None:
    hidden = pipeline(access=restricted((USER, "someone-else", EDIT)))

    with pytest.raises(PipelineNotFound):
        require_view(hidden, EDITOR)
    with pytest.raises(PipelineNotFound):
        require_edit(hidden, EDITOR)


def test_a_view_only_pipeline_refuses_changes_with_missing_scopes() -> None:
    view_only = pipeline(access=restricted((TEAM, "t1", VIEW)))

    require_view(view_only, EDITOR)
    with pytest.raises(NotAllowed, match="may only view"):
        require_edit(view_only, EDITOR)


def test_an_agent_without_the_settings_role_is_told_which_roles_are_needed() -> None:
    with pytest.raises(NotAllowed, match="property_settings_editor"):
        require_edit(pipeline(), AGENT)


# -- changing access ------------------------------------------------------------------------


def test_changing_access_records_the_snapshot_at_the_next_revision() -> None:
    p1 = pipeline()
    wanted = restricted((USER, " u1 ", VIEW), (TEAM, "t1", EDIT))

    change_access(p1, wanted, LATER)

    [event] = p1.events
    assert isinstance(event, PipelineUpdated)
    assert event.revision == 2
    assert event.pipeline.access == restricted((USER, "u1", VIEW), (TEAM, "t1", EDIT))
    assert p1.state.updated_at == LATER


def test_restricting_with_no_grant_is_allowed() -> None:
    p1 = pipeline()

    change_access(p1, restricted(), LATER)

    assert p1.state.access == restricted()


def test_a_user_and_a_team_may_share_an_id() -> None:
    p1 = pipeline()

    change_access(p1, restricted((USER, "x", VIEW), (TEAM, "x", EDIT)), LATER)

    assert len(p1.state.access.grants) == 2


@pytest.mark.parametrize(
    ("grants", "field", "code"),
    [
        (((USER, "u1", VIEW), (USER, "u1", EDIT)), "grants.1.granteeId", "duplicate_grantee"),
        (((TEAM, "t1", VIEW), (TEAM, " t1", VIEW)), "grants.1.granteeId", "duplicate_grantee"),
        (((USER, "  ", VIEW),), "grants.0.granteeId", "blank"),
        (((USER, "u" * 201, VIEW),), "grants.0.granteeId", "too_long"),
    ],
)
def test_a_bad_grant_is_refused_naming_it_and_nothing_changes(
    grants: tuple[tuple[GranteeKind, str, AccessLevel], ...], field: str, code: str
) -> None:
    p1 = pipeline()
    before = p1.state

    with pytest.raises(InvalidPipeline) as refused:
        change_access(p1, restricted(*grants), LATER)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert p1.state == before
    assert p1.events == []
    assert p1.revision == 1


def test_access_is_a_professional_and_enterprise_feature() -> None:
    require_tier_for_access(Tier.PROFESSIONAL)
    require_tier_for_access(Tier.ENTERPRISE)

    with pytest.raises(FeatureNotInTier) as refused:
        require_tier_for_access(Tier.STARTER)

    assert refused.value.message == (
        "Pipeline access is available on Professional and Enterprise; this account is on starter"
    )


# -- reordering with hidden pipelines -------------------------------------------------------


def test_a_reorder_keeps_hidden_pipelines_in_their_places() -> None:
    live = [
        pipeline("a"),
        pipeline("hidden", restricted()),
        pipeline("b"),
        pipeline("c"),
    ]

    assert arrange(live, ["c", "a", "b"], EDITOR) == ["c", "hidden", "a", "b"]


def test_a_reorder_must_name_exactly_the_pipelines_the_requester_sees() -> None:
    live = [pipeline("a"), pipeline("hidden", restricted()), pipeline("b")]

    for wanted in (["b", "a", "hidden"], ["a"], ["a", "a", "b"]):
        with pytest.raises(InvalidPipeline, match="every pipeline you can see"):
            arrange(live, wanted, EDITOR)


def test_a_reorder_may_not_move_a_pipeline_the_requester_may_only_view() -> None:
    live = [pipeline("a"), pipeline("viewed", restricted((USER, "u1", VIEW))), pipeline("b")]

    assert arrange(live, ["b", "viewed", "a"], EDITOR) == ["b", "viewed", "a"]
    with pytest.raises(NotAllowed):
        arrange(live, ["viewed", "a", "b"], EDITOR)


def test_a_super_admin_orders_every_pipeline() -> None:
    live = [pipeline("a"), pipeline("hidden", restricted())]

    assert arrange(live, ["hidden", "a"], ADMIN) == ["hidden", "a"]
