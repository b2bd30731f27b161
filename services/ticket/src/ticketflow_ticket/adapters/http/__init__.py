"""HTTP routes following HubSpot's CRM v3 tickets object API (`build_api_router`)."""

from ticketflow_ticket.adapters.http.routes import build_api_router

__all__ = ["build_api_router"]
