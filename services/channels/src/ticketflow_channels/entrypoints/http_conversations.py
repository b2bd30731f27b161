"""The read API of conversations, for any user of the account:

- `GET /channels/v1/conversations` (by `channel`, `contactId` or `ticketId`; most recent
  first, paged) and `GET /channels/v1/conversations/{id}`;
- `GET /channels/v1/conversations/{id}/messages` (oldest first, paged), each with its
  classification, `matchedBy`, attachments' metadata and the auto-reply flag;
- `GET /channels/v1/messages/{id}` (a held message too) and
  `GET /channels/v1/messages/{id}/attachments/{index}` (the bytes, as a download);
- `GET /channels/v1/intakes?status=failed|held|duplicate|queued|stored`: inbound mail as it
  was accepted, and how its ingestion ended (the reason of a failure).
"""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ticketflow_channels.adapters.blobs import BlobStore
from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    Participant,
    StoredAttachment,
)
from ticketflow_channels.domain.errors import AttachmentNotFound
from ticketflow_channels.domain.intake import Intake, IntakeStatus
from ticketflow_channels.handlers import conversations
from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import timestamp
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import ChannelType

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_conversations_router) at definition time.

MAX_PAGE = 100


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channel": conversation.channel.value,
        "connectionId": conversation.connection_id,
        "contactId": conversation.contact_id,
        "ticketId": conversation.ticket_id,
        "subject": conversation.subject,
        "threadToken": conversation.token,
        "messageCount": conversation.message_count,
        "createdAt": timestamp(conversation.created_at),
        "lastMessageAt": timestamp(conversation.last_message_at),
    }


def _participant_json(participant: Participant) -> dict[str, Any]:
    return {"address": participant.address, "name": participant.name or None}


def _attachment_json(message_id: str, attachment: StoredAttachment) -> dict[str, Any]:
    return {
        "index": attachment.index,
        "filename": attachment.filename,
        "contentType": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "inline": attachment.inline,
        "url": f"/channels/v1/messages/{message_id}/attachments/{attachment.index}",
    }


def message_json(message: ConversationMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversationId": message.conversation_id,
        "channel": message.channel.value,
        "direction": message.direction.value,
        "occurredAt": timestamp(message.occurred_at),
        "contactId": message.contact_id,
        "sender": _participant_json(message.sender) if message.sender else None,
        "recipients": [_participant_json(r) for r in message.recipients],
        "subject": message.subject,
        "text": message.text,
        "fullText": message.full_text,
        "html": message.html or None,
        "emailMessageId": message.email_message_id or None,
        "inReplyTo": message.in_reply_to or None,
        "references": list(message.references),
        "attachments": [_attachment_json(message.id, a) for a in message.attachments],
        "classification": message.classification.value if message.classification else None,
        "classifiedBy": message.signal or None,
        "relation": message.relation.value,
        "matchedBy": message.matched_by.value if message.matched_by else None,
        "held": message.held.value if message.held else None,
        "automated": message.automated,
        "problems": list(message.problems),
        "origin": message.origin.value if message.origin else None,
        "ticketId": message.ticket_id,
        "state": message.state.value,
        "error": message.error or None,
    }


def intake_json(intake: Intake) -> dict[str, Any]:
    return {
        "id": intake.id,
        "connectionId": intake.connection_id,
        "transport": intake.transport.value,
        "recipient": intake.recipient,
        "mailFrom": intake.mail_from,
        "size": intake.size,
        "receivedAt": timestamp(intake.received_at),
        "status": intake.status.value,
        "reason": intake.reason or None,
        "messageId": intake.message_id,
    }


def _page(results: list[dict[str, Any]], next_after: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"results": results}
    if next_after is not None:
        body["paging"] = {"next": {"after": next_after}}
    return body


def _download_name(attachment: StoredAttachment) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name, neither able to end the header."""
    name = attachment.filename or f"attachment-{attachment.index}"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def build_conversations_router(
    uow: UnitOfWork, blobs: BlobStore, caller: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix="/channels/v1", tags=["conversations"])
    Caller = Annotated[Principal, Depends(caller)]
    Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]

    @router.get("/conversations", responses=responses_for(400))
    async def list_conversations(
        principal: Caller,
        channel: ChannelType | None = None,
        contact_id: Annotated[str | None, Query(alias="contactId")] = None,
        ticket_id: Annotated[str | None, Query(alias="ticketId")] = None,
        limit: Limit = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any]:
        """The account's conversations, most recently active first; filtered by one of
        `channel`, `contactId` or `ticketId` (the first given)."""
        found, next_after = await conversations.list_conversations(
            channel=channel,
            contact_id=contact_id,
            ticket_id=ticket_id,
            limit=limit,
            after=after,
            uow=uow,
            context=MessageContext.for_request(principal.account_id),
        )
        return _page([conversation_json(c) for c in found], next_after)

    @router.get("/conversations/{conversation_id}", responses=responses_for(404))
    async def get_conversation(conversation_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        return conversation_json(
            await conversations.get_conversation(conversation_id, uow, context)
        )

    @router.get("/conversations/{conversation_id}/messages", responses=responses_for(400, 404))
    async def list_messages(
        conversation_id: str, principal: Caller, limit: Limit = MAX_PAGE, after: str | None = None
    ) -> dict[str, Any]:
        """The conversation's messages, oldest first."""
        context = MessageContext.for_request(principal.account_id)
        found, next_after = await conversations.list_messages(
            conversation_id, limit, after, uow, context
        )
        return _page([message_json(m) for m in found], next_after)

    @router.get("/messages/{message_id}", responses=responses_for(404))
    async def get_message(message_id: str, principal: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(principal.account_id)
        return message_json(await conversations.get_message(message_id, uow, context))

    @router.get("/messages/{message_id}/attachments/{index}", responses=responses_for(404))
    async def download_attachment(
        message_id: str, index: int, principal: Caller
    ) -> StreamingResponse:
        """The attachment's bytes, always as a download (never rendered by the browser)."""
        context = MessageContext.for_request(principal.account_id)
        attachment = await conversations.get_attachment(message_id, index, uow, context)
        if not await blobs.exists(attachment.sha256):
            raise AttachmentNotFound(message_id, index)
        return StreamingResponse(
            blobs.chunks(attachment.sha256),
            media_type=attachment.content_type,
            headers={
                "Content-Disposition": _download_name(attachment),
                "Content-Length": str(attachment.size),
                "X-Content-Type-Options": "nosniff",
            },
        )

    @router.get("/intakes", responses=responses_for(400))
    async def list_intakes(
        principal: Caller,
        status: IntakeStatus = IntakeStatus.FAILED,
        limit: Limit = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any]:
        """Inbound emails accepted for the account's addresses with this ingestion outcome,
        oldest first (default: the failed ones, with the reason)."""
        context = MessageContext.for_request(principal.account_id)
        found, next_after = await conversations.list_intakes(status, limit, after, uow, context)
        return _page([intake_json(i) for i in found], next_after)

    return router
