"""ticketflow ticket service."""
