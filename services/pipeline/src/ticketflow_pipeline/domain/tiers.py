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


def require_tier(feature: str, tier: Tier, allowed: frozenset[Tier]) -> None:
    if tier not in allowed:
        names = " and ".join(sorted(t.value for t in allowed))
        raise FeatureNotInTier(feature, tier.value, names)
