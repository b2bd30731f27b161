"""The ticketflow command line."""
