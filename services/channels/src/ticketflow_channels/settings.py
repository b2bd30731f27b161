"""Channels service settings (env prefix CHANNELS_)."""

from __future__ import annotations

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config


class ChannelsSettings(ServiceSettings):
    model_config = service_settings_config("CHANNELS_")

    service_name: str = "channels"
    http_port: Port = 8003
