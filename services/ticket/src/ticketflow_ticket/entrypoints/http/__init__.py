"""HTTP routes following HubSpot's CRM v3 tickets object API (`build_api_router`), and the
extensions beside it (`build_timeline_router`, `build_emails_router`, `build_moves_router`);
search, batch, counts."""

from ticketflow_ticket.entrypoints.http.batch import build_batch_router
from ticketflow_ticket.entrypoints.http.counts import build_counts_router
from ticketflow_ticket.entrypoints.http.emails import build_emails_router
from ticketflow_ticket.entrypoints.http.moves import build_moves_router
from ticketflow_ticket.entrypoints.http.routes import build_api_router
from ticketflow_ticket.entrypoints.http.search import build_search_router
from ticketflow_ticket.entrypoints.http.timeline import build_timeline_router

__all__ = [
    "build_api_router",
    "build_batch_router",
    "build_counts_router",
    "build_emails_router",
    "build_moves_router",
    "build_search_router",
    "build_timeline_router",
]
