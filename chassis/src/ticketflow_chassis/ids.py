"""Ids a service makes for the objects it owns."""

from __future__ import annotations

import uuid


def numeric_id() -> str:
    """A numeric string like HubSpot's object ids (tickets, contacts, users, teams): 48
    random bits, unique within an account in practice."""
    return str(uuid.uuid4().int >> 80)
