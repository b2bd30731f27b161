"""Adapters: documents, subscribers and HTTP routes; they translate and call handlers."""
