"""Pipeline service settings (env prefix PIPELINE_)."""

from __future__ import annotations

from pydantic import Field

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config
from ticketflow_contracts import Tier
from ticketflow_pipeline.domain.tiers import DEFAULT_PIPELINE_LIMITS, TierPolicy


class PipelineSettings(ServiceSettings):
    model_config = service_settings_config("PIPELINE_")

    service_name: str = "pipeline"
    http_port: Port = 8001
    pipeline_limits: dict[Tier, int] = Field(
        default_factory=lambda: dict(DEFAULT_PIPELINE_LIMITS),
        description='JSON, e.g. {"free": 1, "starter": 2, "professional": 15, "enterprise": 100}',
    )
    retirement_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how long a DELETE waits for the ticket service's answer before a 202",
    )

    def tier_policy(self) -> TierPolicy:
        return TierPolicy({**DEFAULT_PIPELINE_LIMITS, **self.pipeline_limits})
