"""Where a ticket or conversation came from, and the routing-key suffix of each source."""

from __future__ import annotations

from enum import StrEnum


class SourceType(StrEnum):
    """HubSpot's `source_type` values, plus Messenger and API."""

    EMAIL = "EMAIL"
    CHAT = "CHAT"
    FACEBOOK_MESSENGER = "FACEBOOK_MESSENGER"
    FORM = "FORM"
    PHONE = "PHONE"
    API = "API"

    @property
    def channel(self) -> str:
        """The routing-key suffix: `ticket.created.chat`, `ticket.created.messenger`."""
        return _CHANNELS[self]


_CHANNELS = {
    SourceType.EMAIL: "email",
    SourceType.CHAT: "chat",
    SourceType.FACEBOOK_MESSENGER: "messenger",
    SourceType.FORM: "form",
    SourceType.PHONE: "phone",
    SourceType.API: "api",
}
