"""`POST /channels/v1/conversations/{conversationId}/messages`: send a message in a conversation
on its channel, for any user of the account. Answers 202 once the message is recorded
(`pending`); `conversation.message_sent` or `.message_failed` follows.

The route sends as `contact_record`: agents writing from the contact's (or the conversation's)
page. The ticket service sends `channels.send_message` with `ticket_record` itself, and the
notifier with `automation`, so only a send from the ticket record fires the "email sent to
customer" trigger."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import Field, model_validator

from ticketflow_channels.entrypoints.http_conversations import message_json
from ticketflow_channels.handlers.sending import send_message
from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import SendMessage, SendOrigin

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_messages_router) at definition time.

# The command's bounds; the whole body is bounded by CHANNELS_MAX_BODY_BYTES as well.
MAX_TEXT = 200_000
MAX_HTML = 1_000_000
MAX_SUBJECT = 998  # RFC 5322's line limit
MAX_ID = 100


class MessageInput(CamelInput):
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    html: str | None = Field(default=None, max_length=MAX_HTML)
    subject: str | None = Field(default=None, max_length=MAX_SUBJECT)
    ticket_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID)

    @model_validator(mode="after")
    def _has_a_body(self) -> "MessageInput":
        if not (self.text or "").strip() and not (self.html or "").strip():
            raise ValueError("a message needs text or html")
        return self


def build_messages_router(
    uow: UnitOfWork, caller: Callable[..., Any], wake: Callable[[], None] = lambda: None
) -> APIRouter:
    """`wake` starts the dispatcher on a new message at once (the app passes its own)."""
    router = APIRouter(prefix="/channels/v1/conversations", tags=["conversations"])
    Caller = Annotated[Principal, Depends(caller)]

    @router.post(
        "/{conversation_id}/messages",
        status_code=status.HTTP_202_ACCEPTED,
        responses=responses_for(400, 404),
    )
    async def send(conversation_id: str, body: MessageInput, principal: Caller) -> dict[str, Any]:
        """Sent from the contact record (`origin` `contact_record`); the subject defaults to
        `Re: <the conversation's subject>`, with the thread token."""
        command = SendMessage(
            conversation_id=conversation_id,
            text=body.text,
            html=body.html,
            subject=body.subject,
            origin=SendOrigin.CONTACT_RECORD,
            ticket_id=body.ticket_id,
            user_id=principal.user_id,
        )
        context = MessageContext.for_request(principal.account_id)
        message = await send_message(command, uow, context)
        wake()
        return message_json(message)

    return router
