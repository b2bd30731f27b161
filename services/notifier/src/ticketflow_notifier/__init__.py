"""ticketflow notifier service."""
