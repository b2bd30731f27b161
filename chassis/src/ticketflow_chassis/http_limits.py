"""Limits on what a request may carry: a body over the cap is answered 413 before a handler
sees it, whether it declares its length or streams in chunks; a NUL character in the path, a
query parameter or a JSON body's strings is answered 400 (no store or log should hold one)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError
from ticketflow_contracts.text import NUL

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The request body is larger than the {limit} bytes allowed.")


class BodySizeLimitMiddleware:
    """Pure ASGI middleware. The 413 is raised from `receive`, so it reaches the app's
    HTTPException handler and is rendered in the usual error shape. `limits_by_path` gives
    a route whose bodies are another size (inbound emails) its own cap, by exact path."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        limits_by_path: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits_by_path = dict(limits_by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits_by_path.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        declared_too_large = declared is not None and declared.isdigit() and int(declared) > limit
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared_too_large:
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


_JSON_NUL = b"\\u0000"


async def refuse_nul_characters(request: Request) -> None:
    """An app-wide dependency: VALIDATION_ERROR naming where a NUL was found (the path, a
    query parameter, or a JSON body's key or string value); the value is not echoed."""
    if NUL in request.url.path:
        raise _nul_refused("path")
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in value:
            raise _nul_refused(key.replace(NUL, "") or "query")
    if "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if _JSON_NUL not in body:
        return  # valid JSON holds a NUL only as that escape: no second parse of the body
    try:
        document = json.loads(body)
    except ValueError:
        return  # FastAPI answers malformed JSON itself
    for where in _nul_locations(document, ()):
        raise _nul_refused(".".join(where) or "body")


def _nul_locations(value: object, where: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*where, key.replace(NUL, ""))
            yield from _nul_locations(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*where, str(index)))


def _nul_refused(field: str) -> TicketflowError:
    message = f"{field} must not hold the NUL character (U+0000)."
    detail = ErrorDetail(message, field, "nul_character")
    return TicketflowError(message, ErrorCategory.VALIDATION_ERROR, [detail])
