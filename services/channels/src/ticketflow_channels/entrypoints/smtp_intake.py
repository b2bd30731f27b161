"""The SMTP listener for inbound email (aiosmtpd), served on the service's own event loop and
run as a runtime worker. RCPT is refused (550) for an address no account has connected; DATA
is answered 250 only once the message is stored and queued for every inbox it names
(handlers.intake), 451 when that failed, and with aiosmtpd's own 552 past the size limit."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from aiosmtpd.smtp import SMTP

from ticketflow_channels.adapters.blobs import BlobStore, BlobTooLarge
from ticketflow_channels.domain.connections import ChannelConnection
from ticketflow_channels.domain.errors import IntakeUnavailable
from ticketflow_channels.domain.intake import Intake, IntakeTransport
from ticketflow_channels.handlers.intake import accept_email, connections_for_recipient
from ticketflow_chassis.uow import UnitOfWork

log = logging.getLogger(__name__)
# aiosmtpd logs every command and reply at INFO: eight lines per email, which cost more CPU
# than storing the email. Our own line per accepted or refused message says what matters.
logging.getLogger("mail.log").setLevel(logging.WARNING)

MAX_RECIPIENTS = 100  # RFC 5321 4.5.3.1.8: a server takes at least 100 per message
UNAVAILABLE = "451 4.3.0 The message could not be stored now; try again later"


class IntakeSmtpHandler:
    """aiosmtpd's handler hooks. One handler serves every connection: what a transaction
    accepted is kept per envelope (aiosmtpd makes a new one for each transaction)."""

    def __init__(self, uow: UnitOfWork, blobs: BlobStore, max_bytes: int):
        self._uow = uow
        self._blobs = blobs
        self._max_bytes = max_bytes
        self._inboxes: WeakKeyDictionary[Any, dict[str, list[ChannelConnection]]] = (
            WeakKeyDictionary()
        )

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            connections = await connections_for_recipient(self._uow, address)
        except IntakeUnavailable:
            log.warning("SMTP RCPT %s: the store is unavailable", address, exc_info=True)
            return "451 4.3.0 Mailboxes cannot be looked up now; try again later"
        if not connections:
            log.info("SMTP RCPT %s refused: no connected address", address)
            return f"550 5.1.1 <{address}>: no such mailbox here"
        self._inboxes.setdefault(envelope, {})[address] = connections
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        inboxes = self._inboxes.pop(envelope, {})
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        try:
            intakes = await self._accept(envelope.original_content, inboxes, mail_from)
        except BlobTooLarge:
            return "552 5.3.4 Message too big"
        except IntakeUnavailable:
            log.warning("SMTP DATA from %s not stored", mail_from, exc_info=True)
            return UNAVAILABLE
        except Exception:
            # Never a 5xx (the sender would bounce the mail) for our own failure.
            log.exception("SMTP DATA from %s failed", mail_from)
            return UNAVAILABLE
        log.info("SMTP DATA from %s queued as %s", mail_from, [i.id for i in intakes])
        return f"250 2.0.0 Queued as {intakes[0].id}"

    async def handle_exception(self, error: Exception) -> str:
        """Any other command's unexpected failure: logged, and no internals to the sender."""
        log.error("SMTP session failed", exc_info=error)
        return "451 4.3.0 Temporary failure; try again later"

    async def _accept(
        self, raw: bytes, inboxes: dict[str, list[ChannelConnection]], mail_from: str
    ) -> list[Intake]:
        """One intake per inbox, even when two recipients (`help@`, `help+T-...@`) name it."""
        seen: set[tuple[str, str]] = set()
        intakes: list[Intake] = []
        for recipient, connections in inboxes.items():
            new = [c for c in connections if (c.account_id, c.id) not in seen]
            seen.update((c.account_id, c.id) for c in new)
            if new:
                intakes += await accept_email(
                    raw,
                    connections=new,
                    recipient=recipient,
                    mail_from=mail_from,
                    transport=IntakeTransport.SMTP,
                    blobs=self._blobs,
                    uow=self._uow,
                    max_bytes=self._max_bytes,
                )
        return intakes


class SmtpIntake:
    """The listener, started and stopped by the runtime: `runtime.add_worker(smtp.start,
    smtp.stop)`. `port` is the bound one (settings may ask for 0: any free port)."""

    def __init__(self, handler: IntakeSmtpHandler, *, host: str, port: int, max_bytes: int):
        self._handler = handler
        self.host = host
        self.port = port
        self._max_bytes = max_bytes
        self._server: asyncio.Server | None = None
        self._sessions: WeakSet[SMTP] = WeakSet()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        hostname = socket.gethostname()  # aiosmtpd's default, getfqdn, would block on DNS

        def new_session() -> SMTP:
            session = SMTP(
                self._handler,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                hostname=hostname,
                ident="ticketflow",
                loop=loop,
            )
            self._sessions.add(session)
            return session

        self._server = await loop.create_server(new_session, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("SMTP intake listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()  # a sender cut off mid-DATA was told nothing: it retries
        await self._server.wait_closed()
        self._server = None
        log.info("SMTP intake stopped")


def build_smtp_intake(
    uow: UnitOfWork, blobs: BlobStore, *, host: str, port: int, max_bytes: int
) -> SmtpIntake:
    return SmtpIntake(
        IntakeSmtpHandler(uow, blobs, max_bytes), host=host, port=port, max_bytes=max_bytes
    )
