"""Outbound email over SMTP to a relay (`CHANNELS_SMTP_RELAY_URL`): `smtp://user:password@host:port`
(STARTTLS when the relay offers it), `smtps://...` (TLS from the start). A 4xx reply, a lost
or refused connection or a timeout is transient; a 5xx reply is permanent, except a refused
login (the relay's configuration, not the message's: retried until someone fixes it or the
attempts run out).

A relay cannot say whether it took a message before: a crash between its `250` and our record
sends the message again, with the same Message-ID (receivers dedupe on it)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from ticketflow_channels.adapters.mail_transport import DeliveryError
from ticketflow_channels.domain.mail.outbound import OutboundEmail, mime_message

SCHEMES = {"smtp": (False, 25), "smtps": (True, 465)}
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class RelayAddress:
    host: str
    port: int
    use_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> RelayAddress:
        """Raises ValueError naming what is wrong (settings validate with it)."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(f"the scheme must be smtp:// or smtps://, not {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("the URL names no host")
        use_tls, default_port = SCHEMES[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def is_permanent(code: int) -> bool:
    return 500 <= code < 600


def classified(exc: Exception) -> DeliveryError:
    """What an aiosmtplib error means for the message."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        permanent = bool(codes) and all(is_permanent(code) for code in codes)
        reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return DeliveryError(f"recipients refused: {reasons}", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(f"relay login refused: {exc.code} {exc.message}", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"{exc.code} {exc.message}", permanent=is_permanent(exc.code))
    # Disconnected, connect errors, timeouts, a missing extension, a socket error.
    return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)


class SmtpTransport:
    def __init__(self, relay_url: str, *, timeout: float = TIMEOUT_SECONDS):
        self.relay = RelayAddress.parse(relay_url)
        self._timeout = timeout

    async def already_delivered(self, email: OutboundEmail) -> bool:
        return False

    async def deliver(self, email: OutboundEmail) -> None:
        relay = self.relay
        try:
            await aiosmtplib.send(
                mime_message(email),
                sender=email.sender.address,
                recipients=[party.address for party in email.recipients],
                hostname=relay.host,
                port=relay.port,
                username=relay.username,
                password=relay.password,
                use_tls=relay.use_tls,
                start_tls=False if relay.use_tls else None,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise classified(exc) from exc
