"""What every ticketflow service runs on."""
