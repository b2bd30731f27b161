"""What each tier allows (HubSpot's limits by default; the pipeline limits are configurable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ticketflow_contracts import Tier
from ticketflow_pipeline.domain.errors import FeatureNotInTier, PipelineLimitReached

DEFAULT_PIPELINE_LIMITS: Mapping[Tier, int] = {
    Tier.FREE: 1,
    Tier.STARTER: 2,
    Tier.PROFESSIONAL: 15,
    Tier.ENTERPRISE: 100,
}
MAX_STATUSES_PER_PIPELINE = 100
PAID_PLUS = frozenset({Tier.PROFESSIONAL, Tier.ENTERPRISE})
STARTER_PLUS = frozenset({Tier.STARTER, Tier.PROFESSIONAL, Tier.ENTERPRISE})


@dataclass(frozen=True)
class TierPolicy:
    pipeline_limits: Mapping[Tier, int] = field(
        default_factory=lambda: dict(DEFAULT_PIPELINE_LIMITS)
    )

    def check_pipeline_count(self, tier: Tier, existing: int) -> None:
        limit = self.pipeline_limits[tier]
        if existing >= limit:
            raise PipelineLimitReached(tier.value, limit)


def require_tier(
    feature: str, tier: Tier, allowed: frozenset[Tier], *, plural: bool = False
) -> None:
    """Raise FeatureNotInTier naming the tiers in HubSpot's words: "Ticket automation is
    available on Starter, Professional and Enterprise; this account is on free" (`plural`
    features "are")."""
    if tier not in allowed:
        raise FeatureNotInTier(feature, tier.value, tier_names(allowed), plural=plural)


def tier_names(tiers: frozenset[Tier]) -> str:
    names = [t.value.title() for t in Tier if t in tiers]  # the enum's order: cheapest first
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
