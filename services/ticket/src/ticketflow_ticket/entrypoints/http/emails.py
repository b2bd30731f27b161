"""`POST /crm/v3/extensions/tickets/{ticketId}/emails` (a ticketflow extension): an agent's
email to the ticket's contact, in its conversation, from the ticket record.

    {"text": "We are on it.", "html": "<p>We are on it.</p>", "subject": "optional"}
    -> 202 {"id": "<message id>", "conversationId": "…", "ticketId": "…", "status": "queued"}

The channels service sends it (`conversation.message_sent.email` with origin
`ticket_record` follows, on the ticket's timeline too).
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_emails_router) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import Field, model_validator

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_ticket.entrypoints.http.schemas import requester_of
from ticketflow_ticket.handlers import emails


class EmailInput(CamelInput):
    text: str | None = Field(default=None, max_length=200_000)
    html: str | None = Field(default=None, max_length=1_000_000)
    subject: str | None = Field(default=None, max_length=998)

    @model_validator(mode="after")
    def _has_a_body(self) -> "EmailInput":
        if not (self.text or "").strip() and not (self.html or "").strip():
            raise ValueError("an email needs text or html")
        return self


def build_emails_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/extensions/tickets", tags=["emails"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.post(
        "/{ticket_id}/emails",
        status_code=status.HTTP_202_ACCEPTED,
        responses=responses_for(403, 404, 422),
    )
    async def send_email(ticket_id: str, body: EmailInput, caller: Caller) -> dict[str, Any]:
        """Queued for sending by the channels service; the answer names the message."""
        context = MessageContext.for_request(caller.account_id)
        command = emails.SendTicketEmail(
            requester_of(caller), ticket_id, body.text, body.html, body.subject
        )
        sent = await emails.send_ticket_email(command, uow, context)
        return {
            "id": sent.message_id,
            "conversationId": sent.conversation_id,
            "ticketId": sent.ticket_id,
            "status": "queued",
        }

    return router
