"""The one error parsing raises: the bytes are not an email we can attribute to a sender.

ChannelsError
└── UnparsableEmail     UNPROCESSABLE (not an email at all, or no usable From address)
"""

from __future__ import annotations

from ticketflow_channels.domain.errors import ChannelsError
from ticketflow_contracts.errors import ErrorCategory


class UnparsableEmail(ChannelsError):
    def __init__(self, reason: str):
        super().__init__(f"unparsable email: {reason}", ErrorCategory.UNPROCESSABLE)
        self.reason = reason
