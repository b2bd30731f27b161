"""What calls the handlers: HTTP routes, message subscribers, background workers."""
