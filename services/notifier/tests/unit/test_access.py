"""Who may read the notifier's record of a ticket: the ticket service's rule."""

from __future__ import annotations

from ticketflow_chassis.testing import pipeline_snapshot
from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess
from ticketflow_notifier.domain.access import Requester, may_view
from ticketflow_notifier.domain.replicas import PipelineReplica


def replica(access: PipelineAccess) -> PipelineReplica:
    return PipelineReplica("a1", 1, pipeline_snapshot("p1", access=access))


NOBODY = PipelineAccess(restricted=True)
TEAM_VIEW = PipelineAccess(
    restricted=True,
    grants=[AccessGrant(grantee_kind=GranteeKind.TEAM, grantee_id="t1", level=AccessLevel.VIEW)],
)


def test_everyone_sees_an_unrestricted_pipeline() -> None:
    assert may_view(replica(PipelineAccess()), Requester("u1"))


def test_a_pipeline_restricted_to_nobody_is_hidden_from_a_plain_user_not_a_super_admin() -> None:
    assert not may_view(replica(NOBODY), Requester("u1"))
    assert may_view(replica(NOBODY), Requester("u1", is_super_admin=True))


def test_a_grant_to_the_users_team_lets_them_see_it() -> None:
    assert may_view(replica(TEAM_VIEW), Requester("u1", frozenset({"t1"})))
    assert not may_view(replica(TEAM_VIEW), Requester("u1", frozenset({"t2"})))


def test_a_pipeline_the_notifier_does_not_know_hides_its_tickets_even_from_super_admins() -> None:
    assert not may_view(None, Requester("u1", is_super_admin=True))
