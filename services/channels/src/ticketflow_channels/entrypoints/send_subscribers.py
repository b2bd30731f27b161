"""What the channels service consumes to send: `channels.send_message` (from the ticket and
notifier services) on `channels.send-messages`. The inbox makes a redelivered command a
no-op, so each command records one message, sent once."""

from __future__ import annotations

from collections.abc import Callable

from faststream.rabbit import RabbitRouter

from ticketflow_channels.entrypoints.subscribers import SEND_MESSAGES
from ticketflow_channels.handlers.sending import send_message
from ticketflow_chassis.messaging.consuming import consumers_router
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import Envelope, SendMessage


def build_sending_router(runtime: ServiceRuntime, wake: Callable[[], None]) -> RabbitRouter:
    """`wake` starts the dispatcher on the recorded message at once."""
    uow = runtime.uow
    send_messages = runtime.consumer(SEND_MESSAGES)

    @send_messages.on(SendMessage)
    async def on_send_message(command: Envelope[SendMessage]) -> None:
        await send_message(command.payload, uow, send_messages.context_of(command))
        wake()

    return consumers_router(send_messages)
