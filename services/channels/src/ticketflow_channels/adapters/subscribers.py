"""What the channels service consumes: account events."""

from __future__ import annotations

from functools import partial

from faststream.rabbit import RabbitRouter

from ticketflow_channels.handlers.accounts import apply_account_created
from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_contracts import AccountCreated

ACCOUNT_EVENTS = QueueSpec("channels.account-events", (on_events("account.#"),))
QUEUES = (ACCOUNT_EVENTS,)


def build_router(runtime: ServiceRuntime) -> RabbitRouter:
    router = RabbitRouter()
    runtime.subscribe(
        router, ACCOUNT_EVENTS, {AccountCreated: partial(apply_account_created, runtime.uow)}
    )
    return router
