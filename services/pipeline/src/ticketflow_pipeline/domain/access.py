"""Who may see and change a pipeline: HubSpot's pipeline access (everyone, or only the listed
users and teams) as pure decisions, the checks built on them, and the access setting's rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess, Tier
from ticketflow_pipeline.domain.errors import InvalidPipeline, NotAllowed, PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.tiers import PAID_PLUS, require_tier

FEATURE = "Pipeline access"
MAX_GRANTS = 500
MAX_GRANTEE_ID_LENGTH = 200


@dataclass(frozen=True)
class Requester:
    """What access decisions need to know about the caller (the adapter reads it off the token)."""

    user_id: str
    teams: frozenset[str] = frozenset()
    is_super_admin: bool = False
    is_property_settings_editor: bool = False


def can_view(
    access: PipelineAccess,
    principal_user_id: str,
    principal_teams: Iterable[str],
    is_super_admin: bool,
) -> bool:
    """Super admins see every pipeline; an unrestricted one is seen by everyone in the account;
    a restricted one only by users granted `view` or `edit`, directly or through a team."""
    if is_super_admin or not access.restricted:
        return True
    return access.level_for(principal_user_id, principal_teams) is not None


def can_edit(
    access: PipelineAccess,
    principal_user_id: str,
    principal_teams: Iterable[str],
    is_super_admin: bool,
    is_property_settings_editor: bool,
) -> bool:
    """Changing a pipeline's configuration needs the settings permission (super admin or
    property-settings editor) and, on a restricted pipeline, an `edit` grant (direct or through
    a team; the highest level granted wins). Super admins may always. HubSpot: access governs
    the pipeline's tickets, editing its settings still needs the settings permission."""
    if is_super_admin:
        return True
    if not is_property_settings_editor:
        return False
    if not access.restricted:
        return True
    return access.level_for(principal_user_id, principal_teams) is AccessLevel.EDIT


def sees(requester: Requester, pipeline: Pipeline) -> bool:
    return can_view(
        pipeline.state.access, requester.user_id, requester.teams, requester.is_super_admin
    )


def visible(pipelines: Iterable[Pipeline], requester: Requester) -> list[Pipeline]:
    return [p for p in pipelines if sees(requester, p)]


def require_view(pipeline: Pipeline, requester: Requester) -> None:
    """A pipeline the requester may not see does not exist for them (404, never 403)."""
    if not sees(requester, pipeline):
        raise PipelineNotFound(pipeline.id)


def require_edit(pipeline: Pipeline, requester: Requester) -> None:
    require_view(pipeline, requester)
    allowed = can_edit(
        pipeline.state.access,
        requester.user_id,
        requester.teams,
        requester.is_super_admin,
        requester.is_property_settings_editor,
    )
    if allowed:
        return
    if not requester.is_property_settings_editor:
        raise NotAllowed(
            "changing a pipeline's settings needs one of these roles: "
            "property_settings_editor, super_admin"
        )
    raise NotAllowed(
        f"pipeline {pipeline.id!r} is restricted and you may only view it; "
        "changing it needs an edit grant"
    )


def require_super_admin(requester: Requester) -> None:
    if not requester.is_super_admin:
        raise NotAllowed("only super admins may see or change who has access to a pipeline")


def require_tier_for_access(tier: Tier) -> None:
    require_tier(FEATURE, tier, PAID_PLUS)


def arrange(live: Sequence[Pipeline], requested: Sequence[str], requester: Requester) -> list[str]:
    """The account's whole pipeline order when `requester` orders the pipelines they can see.

    Pipelines hidden from them keep their places; the visible ones take the requested order
    among the places they held. Moving a pipeline needs the right to edit it."""
    shown = visible(live, requester)
    shown_ids = {p.id for p in shown}
    if len(requested) != len(set(requested)) or set(requested) != shown_ids:
        raise InvalidPipeline(
            "the new order must list every pipeline you can see exactly once",
            "pipelineIds",
            "incomplete_order",
        )
    for pipeline, wanted in zip(shown, requested, strict=True):
        if pipeline.id != wanted:
            require_edit(pipeline, requester)
    places = iter(requested)
    return [next(places) if p.id in shown_ids else p.id for p in live]


def change_access(pipeline: Pipeline, access: PipelineAccess, now: datetime) -> None:
    """Restricted with no grant is allowed: then only super admins see the pipeline."""
    if len(access.grants) > MAX_GRANTS:
        raise InvalidPipeline(f"a pipeline holds at most {MAX_GRANTS} grants", "grants", "too_many")
    grants: list[AccessGrant] = []
    seen: set[tuple[GranteeKind, str]] = set()
    for index, grant in enumerate(access.grants):
        grantee_id = _clean_grantee_id(grant.grantee_id, f"grants.{index}.granteeId")
        key = (grant.grantee_kind, grantee_id)
        if key in seen:
            raise InvalidPipeline(
                f"{grant.grantee_kind.value} {grantee_id!r} is granted access twice",
                f"grants.{index}.granteeId",
                "duplicate_grantee",
            )
        seen.add(key)
        grants.append(grant.model_copy(update={"grantee_id": grantee_id}))
    cleaned = PipelineAccess(restricted=access.restricted, grants=grants)
    pipeline.change(pipeline.state.model_copy(update={"access": cleaned}), now)


def _clean_grantee_id(grantee_id: str, field: str) -> str:
    cleaned = grantee_id.strip()
    if not cleaned:
        raise InvalidPipeline(f"{field} must not be blank", field, "blank")
    if len(cleaned) > MAX_GRANTEE_ID_LENGTH:
        raise InvalidPipeline(
            f"{field} is longer than {MAX_GRANTEE_ID_LENGTH} characters", field, "too_long"
        )
    return cleaned
