"""ticketflow channels service."""
