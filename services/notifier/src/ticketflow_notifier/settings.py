"""Notifier settings (env prefix NOTIFIER_)."""

from __future__ import annotations

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config


class NotifierSettings(ServiceSettings):
    model_config = service_settings_config("NOTIFIER_")

    service_name: str = "notifier"
    http_port: Port = 8004
