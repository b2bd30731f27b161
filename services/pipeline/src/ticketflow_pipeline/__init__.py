"""ticketflow pipeline service."""
