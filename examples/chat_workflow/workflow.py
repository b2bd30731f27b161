"""A workflow for tickets whose source is live chat, as a small FastStream subscriber.

ticketflow publishes every ticket event with its source at the end of the routing key
(`ticket.created.chat`), so one binding gives this subscriber every chat ticket and nothing
else: no filter code. For each new chat ticket it assigns an owner, raises the priority and
adds a note, all through ticketflow's public HTTP API with an API token:

    AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ \\
    TICKETFLOW_TICKET_URL=http://127.0.0.1:8002 \\
    TICKETFLOW_TOKEN=<an API token> CHAT_OWNER_ID=<a user id> \\
    .venv/bin/python examples/chat_workflow/workflow.py

Delivery is at least once: the queue is a durable quorum queue that dead-letters what keeps
failing; the owner and the priority are set idempotently (setting them again changes
nothing), and the note is added once per ticket (the ids of tickets done are kept in
`CHAT_WORKFLOW_DONE_FILE`, so a redelivered event adds no second note, across restarts too).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import httpx
from faststream import FastStream
from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from ticketflow_contracts import EVENTS_EXCHANGE, Envelope, TicketCreated

log = logging.getLogger("chat_workflow")

QUEUE = os.environ.get("CHAT_WORKFLOW_QUEUE", "chat-workflow.tickets")
broker = RabbitBroker(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
app = FastStream(broker)

events = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
# A queue of this subscriber's own: quorum, and what fails five times goes to its dead letters.
tickets = RabbitQueue(
    QUEUE,
    queue_type=QueueType.QUORUM,
    durable=True,
    routing_key="ticket.created.chat",
    arguments={
        "x-delivery-limit": 5,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": f"{QUEUE}.dlq",
    },
)


class TicketflowApi:
    def __init__(self, base_url: str, token: str):
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    async def update(self, ticket_id: str, properties: dict[str, str]) -> None:
        response = await self._client.patch(
            f"/crm/v3/objects/tickets/{ticket_id}", json={"properties": properties}
        )
        response.raise_for_status()

    async def add_note(self, ticket_id: str, body: str) -> None:
        response = await self._client.post(
            f"/crm/v3/extensions/tickets/{ticket_id}/notes", json={"body": body}
        )
        response.raise_for_status()


class DoneTickets:
    """The tickets this workflow finished, one id per line in a file."""

    def __init__(self, path: Path):
        self._path = path
        self._done = set(path.read_text().split()) if path.exists() else set()

    def __contains__(self, ticket_id: str) -> bool:
        return ticket_id in self._done

    async def add(self, ticket_id: str) -> None:
        self._done.add(ticket_id)
        await asyncio.to_thread(self._append, ticket_id)

    def _append(self, ticket_id: str) -> None:
        with self._path.open("a") as file:
            file.write(ticket_id + "\n")


api = TicketflowApi(
    os.environ.get("TICKETFLOW_TICKET_URL", "http://127.0.0.1:8002"),
    os.environ.get("TICKETFLOW_TOKEN", ""),
)
done = DoneTickets(Path(os.environ.get("CHAT_WORKFLOW_DONE_FILE", "chat-workflow-done.txt")))


@broker.subscriber(tickets, events)
async def on_chat_ticket(body: dict[str, Any]) -> None:
    """A new chat ticket: its owner, a high priority, and a note saying so."""
    event = Envelope[TicketCreated].model_validate(body).payload
    owner = os.environ["CHAT_OWNER_ID"]
    await api.update(event.ticket_id, {"hubspot_owner_id": owner, "hs_ticket_priority": "HIGH"})
    if event.ticket_id not in done:
        await api.add_note(event.ticket_id, f"Chat workflow: assigned to {owner}, priority HIGH.")
        await done.add(event.ticket_id)
    log.info("chat ticket %s routed to %s", event.ticket_id, owner)


@app.after_startup
async def declare_dead_letters() -> None:
    await broker.declare_queue(
        RabbitQueue(f"{QUEUE}.dlq", queue_type=QueueType.QUORUM, durable=True)
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(app.run())
