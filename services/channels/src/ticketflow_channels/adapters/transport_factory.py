"""The mail transport a channels process sends with: SMTP to the relay when
`CHANNELS_SMTP_RELAY_URL` is set, else the Maildir under the var dir."""

from __future__ import annotations

from ticketflow_channels.adapters.mail_transport import MailTransport
from ticketflow_channels.adapters.maildir_transport import MaildirTransport
from ticketflow_channels.adapters.smtp_transport import SmtpTransport
from ticketflow_channels.settings import ChannelsSettings


def open_mail_transport(settings: ChannelsSettings) -> MailTransport:
    if settings.smtp_relay_url:
        return SmtpTransport(settings.smtp_relay_url)
    return MaildirTransport(settings.resolved_outbound_maildir())
