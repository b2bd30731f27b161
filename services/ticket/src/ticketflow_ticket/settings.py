"""Ticket service settings (env prefix TICKET_)."""

from __future__ import annotations

from pydantic import Field

from ticketflow_chassis.settings import Port, ServiceSettings, service_settings_config


class TicketSettings(ServiceSettings):
    model_config = service_settings_config("TICKET_")

    service_name: str = "ticket"
    http_port: Port = 8002
    # Bulk moves: tickets moved per unit of work, and how often the runner looks for jobs that
    # a stopped or crashed process left running (a new job wakes it at once).
    move_batch_size: int = Field(default=500, ge=1, le=5000)
    move_poll_seconds: float = Field(default=30.0, gt=0)
    # A write naming an owner (hubspot_owner_id) that the users replica does not hold yet waits
    # this long for it before answering 400 (a user created a moment ago).
    owner_wait_seconds: float = Field(default=2.0, ge=0, le=30)
    # A new conversation on a channel whose target pipeline the pipeline replica does not hold
    # yet waits this long for it before its message is retried (then dead-lettered).
    pipeline_wait_seconds: float = Field(default=2.0, ge=0, le=30)
