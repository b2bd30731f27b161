"""`channels.send_message` on its queue (the in-memory test broker): the command records one
message and wakes the dispatcher; the same envelope again records nothing more; a command
for an unknown conversation is parked with the error."""

from __future__ import annotations

import json
import uuid

from ticketflow_channels.adapters.conversation_repository import MessageRepository
from ticketflow_channels.adapters.repository import COLLECTIONS
from ticketflow_channels.app import PUBLISHES
from ticketflow_channels.domain.conversations import SendState
from ticketflow_channels.entrypoints.send_subscribers import build_sending_router
from ticketflow_channels.entrypoints.subscribers import QUEUES, SEND_MESSAGES
from ticketflow_channels.settings import ChannelsSettings
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.testing import TEST_JWT_SECRET, envelope_of, subscribers_under_test
from ticketflow_chassis.uow import MessageContext
from ticketflow_contracts import SendMessage, SendOrigin

from .conversation_builders import seed_conversation


def channels() -> ServiceRuntime:
    settings = ChannelsSettings(store_url="memory://", jwt_secret=TEST_JWT_SECRET)
    return ServiceRuntime(settings, COLLECTIONS, QUEUES, publishes=PUBLISHES)


async def test_a_command_records_one_message_also_when_redelivered() -> None:
    runtime = channels()
    woken: list[int] = []
    command = SendMessage(conversation_id="c1", text="Closed", origin=SendOrigin.AUTOMATION)
    envelope = envelope_of(command)

    router = build_sending_router(runtime, lambda: woken.append(1))
    async with subscribers_under_test(runtime, router) as subscribers:
        await seed_conversation(runtime.uow)
        await subscribers.publish(SEND_MESSAGES, envelope)
        await subscribers.publish(SEND_MESSAGES, envelope)
        async with runtime.uow.read(MessageContext("a1", uuid.uuid4())) as session:
            found = await MessageRepository(session).latest_in_conversation("a1", "c1", limit=9)

    [outbound, _inbound] = found
    assert (outbound.state, outbound.origin, outbound.automated) == (
        SendState.PENDING,
        SendOrigin.AUTOMATION,
        True,
    )
    assert woken == [1]
    assert subscribers.parked[SEND_MESSAGES.name] == []


async def test_a_command_for_an_unknown_conversation_is_parked_with_the_error() -> None:
    runtime = channels()
    command = SendMessage(conversation_id="nope", text="Hi", origin=SendOrigin.TICKET_RECORD)

    router = build_sending_router(runtime, lambda: None)
    async with subscribers_under_test(runtime, router) as subscribers:
        await subscribers.publish(SEND_MESSAGES, envelope_of(command))

    [parked] = subscribers.parked[SEND_MESSAGES.name]
    assert json.loads(parked)["payload"]["conversation_id"] == "nope"
