"""`POST /channels/v1/inbound/email`: a raw email (`message/rfc822`) handed over by a mail
gateway or a script for one of the caller's account's connected inboxes; 202 once it is
stored and queued for ingestion, as the SMTP listener's 250."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.exceptions import HTTPException

from ticketflow_channels.adapters.blobs import BlobStore, BlobTooLarge
from ticketflow_channels.domain.errors import NotAnEmail, UnknownRecipient
from ticketflow_channels.domain.inbound_headers import (
    RECIPIENT_HEADERS,
    addressed_to,
    starts_with_header,
)
from ticketflow_channels.domain.intake import IntakeTransport
from ticketflow_channels.handlers import intake
from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.uow import UnitOfWork

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_inbound_router) at definition time.

INBOUND_EMAIL_PATH = "/channels/v1/inbound/email"
MEDIA_TYPE = "message/rfc822"
MAX_ADDRESS = 320
RAW = {"type": "string", "format": "binary"}


def _too_large(max_bytes: int) -> HTTPException:
    return HTTPException(413, f"The email is larger than the {max_bytes} bytes allowed.")


async def _body_within(request: Request, max_bytes: int) -> bytes:
    """The body, read as it streams in, refused as soon as it passes `max_bytes`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    return bytes(body)


def build_inbound_router(
    uow: UnitOfWork, blobs: BlobStore, caller: Callable[..., Any], max_bytes: int
) -> APIRouter:
    """`max_bytes` is CHANNELS_MAX_EMAIL_BYTES; the app gives this path the same body cap
    (`build_http_app(body_limits=...)`) in place of the API's 1 MiB."""
    router = APIRouter(tags=["inbound email"])
    Caller = Annotated[Principal, Depends(caller)]

    @router.post(
        INBOUND_EMAIL_PATH,
        status_code=status.HTTP_202_ACCEPTED,
        responses=responses_for(413, 415, 422, 503),
        openapi_extra={"requestBody": {"required": True, "content": {MEDIA_TYPE: {"schema": RAW}}}},
    )
    async def receive_email(
        request: Request,
        principal: Caller,
        recipient: Annotated[str | None, Query(max_length=MAX_ADDRESS)] = None,
    ) -> dict[str, str]:
        """The raw email as the body. It is filed for `recipient` when given, else for the
        first of its Delivered-To, To and Cc addresses that is a connected inbox of the
        caller's account (plus parts such as `help+T-...@` count as the inbox)."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != MEDIA_TYPE:
            raise HTTPException(415, f"Send the raw email as Content-Type: {MEDIA_TYPE}.")
        raw = await _body_within(request, max_bytes)
        if not starts_with_header(raw):
            raise NotAnEmail()
        candidates = [recipient] if recipient is not None else addressed_to(raw)
        found = await intake.account_connection_for(uow, principal.account_id, candidates)
        if found is None:
            raise UnknownRecipient(_no_inbox_message(recipient))
        address, connection = found
        try:
            [accepted] = await intake.accept_email(
                raw,
                connections=[connection],
                recipient=address,
                mail_from="",
                transport=IntakeTransport.HTTP,
                blobs=blobs,
                uow=uow,
                max_bytes=max_bytes,
            )
        except BlobTooLarge:
            raise _too_large(max_bytes) from None
        return {"intakeId": accepted.id, "status": accepted.status.value}

    return router


def _no_inbox_message(recipient: str | None) -> str:
    if recipient is not None:
        return f"{recipient!r} is not a connected email inbox of the account"
    headers = ", ".join(RECIPIENT_HEADERS)
    return f"none of the email's {headers} addresses is a connected inbox; pass ?recipient="
