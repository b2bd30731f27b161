"""Ticket service settings (env prefix TICKET_)."""

from __future__ import annotations

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config


class TicketSettings(ServiceSettings):
    model_config = service_settings_config("TICKET_")

    service_name: str = "ticket"
    http_port: Port = 8002
