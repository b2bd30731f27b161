"""The outbound dispatcher: a background loop of the intake role that delivers the messages
`send_message` recorded. Woken the moment one is recorded (the route and the consumer wake
it); its slow poll picks up retries that came due, and on start it runs at once: that pass is
the reconciliation of what a killed process left (a claimed message's lease ends and it is
claimed again; the Maildir finds an email it delivered already by its file name).

Each message: claim it (a unit of work), deliver it unless the transport has it already,
record the outcome (a unit of work). A few deliveries run side by side."""

from __future__ import annotations

import asyncio
import logging

from ticketflow_channels.adapters.mail_transport import DeliveryError, MailTransport
from ticketflow_channels.domain.conversations import ConversationMessage
from ticketflow_channels.domain.sending import SendPolicy
from ticketflow_channels.handlers import delivery
from ticketflow_channels.handlers.delivery import DELIVERED, Claim, Outcome
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_chassis.worker import WakeableWorker

log = logging.getLogger(__name__)


class OutboundDispatcher:
    """`dispatcher.start()` / `await dispatcher.stop()` (the app's workers); `wake()` after a
    send is recorded; `await dispatcher.dispatch_due()` delivers what is due now (tests)."""

    def __init__(
        self,
        uow: UnitOfWork,
        transport: MailTransport,
        policy: SendPolicy,
        *,
        poll_seconds: float = 5.0,
        retry_seconds: float = 1.0,
        batch_size: int = 50,
        concurrency: int = 4,
    ):
        self._uow = uow
        self._transport = transport
        self._policy = policy
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        self._worker = WakeableWorker(
            "outbound-dispatcher",
            self.dispatch_due,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
        )

    def wake(self) -> None:
        self._worker.wake()

    async def dispatch_due(self) -> bool:
        """Deliver every message due now, a batch at a time; True when every step worked."""
        healthy = True
        while True:
            due = await delivery.due_messages(self._batch_size, self._uow)
            results = await asyncio.gather(
                *(self._dispatch(message) for message in due), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    log.error("outbound dispatch failed; tried again soon", exc_info=result)
                    healthy = False
            # A short batch was everything due; one that raised is tried after retry_seconds.
            if len(due) < self._batch_size or not healthy:
                return healthy

    async def _dispatch(self, due: ConversationMessage) -> None:
        async with self._slots:
            claim = await delivery.claim_message(due, self._policy, self._uow)
            if claim is None:
                return
            outcome = await self._deliver(claim)
            state = await delivery.record_outcome(claim, outcome, self._policy, self._uow)
            log.info(
                "outbound message %s: %s%s",
                claim.message.id,
                state.value if state else "claimed again meanwhile",
                f" ({outcome.error})" if outcome.error else "",
            )

    async def _deliver(self, claim: Claim) -> Outcome:
        # Bounded well inside the lease, so no other process claims it while it is sent.
        limit = self._policy.lease_seconds / 2
        try:
            async with asyncio.timeout(limit):
                if await self._transport.already_delivered(claim.email):
                    return DELIVERED
                await self._transport.deliver(claim.email)
        except DeliveryError as exc:
            return Outcome(exc.reason, permanent=exc.permanent)
        except TimeoutError:
            return Outcome(f"no answer within {limit:.0f}s")
        except Exception as exc:
            log.exception("outbound message %s: unexpected delivery error", claim.message.id)
            return Outcome(f"{type(exc).__name__}: {exc}")
        return DELIVERED

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        """Cancels a delivery where it is: its claim's lease ends and it is tried again."""
        await self._worker.stop()
