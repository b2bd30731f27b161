"""The port outbound email leaves through, and how a delivery fails: for now (`transient`:
tried again after a backoff) or for good (`permanent`: the message fails).

    if not await transport.already_delivered(email):
        await transport.deliver(email)
"""

from __future__ import annotations

from typing import Protocol

from ticketflow_channels.domain.mail.outbound import OutboundEmail


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    async def already_delivered(self, email: OutboundEmail) -> bool:
        """True when this email (by its Message-ID) is known to have been delivered before:
        a crash came between the delivery and its record. False when the transport cannot
        tell (a relay)."""
        ...

    async def deliver(self, email: OutboundEmail) -> None:
        """Hand the email over; raises DeliveryError."""
        ...
