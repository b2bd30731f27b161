"""The relay URL: `smtp://` (port 25, STARTTLS when offered) or `smtps://` (TLS from the start,
port 465), with a login; anything else stops start-up naming CHANNELS_SMTP_RELAY_URL. SMTP
errors are transient but for 5xx replies (a refused login is the relay's configuration)."""

from __future__ import annotations

import aiosmtplib
import pytest
from pydantic import ValidationError

from ticketflow_channels.adapters.smtp_transport import RelayAddress, classified
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.testing import TEST_JWT_SECRET


def test_relay_urls_name_host_port_tls_and_login() -> None:
    assert RelayAddress.parse("smtp://mail.acme.test") == RelayAddress("mail.acme.test", 25, False)
    assert RelayAddress.parse("smtps://bot%40acme:p%3Ass@mail.acme.test:2465") == RelayAddress(
        "mail.acme.test", 2465, True, "bot@acme", "p:ss"
    )


@pytest.mark.parametrize("url", ["http://mail.acme.test", "smtp://", "smtp://host:port", "x"])
def test_a_bad_relay_url_stops_start_up(url: str) -> None:
    with pytest.raises(ValidationError, match="smtp_relay_url"):
        ChannelsSettings(smtp_relay_url=url, jwt_secret=TEST_JWT_SECRET)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPDataError(451, "try later"), False),
        (aiosmtplib.SMTPDataError(554, "spam"), True),
        (aiosmtplib.SMTPSenderRefused(550, "no relaying", "help@acme.test"), True),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPReadTimeoutError("slow"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "no such user", "ada@example.org")]
            ),
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(452, "mailbox full", "ada@example.org")]
            ),
            False,
        ),
    ],
)
def test_4xx_and_connection_trouble_are_transient_5xx_permanent(
    error: Exception, permanent: bool
) -> None:
    assert classified(error).permanent is permanent
