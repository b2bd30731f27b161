"""Pipeline service settings (env prefix PIPELINE_)."""

from __future__ import annotations

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config


class PipelineSettings(ServiceSettings):
    model_config = service_settings_config("PIPELINE_")

    service_name: str = "pipeline"
    http_port: Port = 8001
