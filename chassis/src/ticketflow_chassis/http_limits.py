"""A cap on request bodies: a body over the limit is answered 413 before a handler sees it,
whether it declares its length or streams in chunks."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The request body is larger than the {limit} bytes allowed.")


class BodySizeLimitMiddleware:
    """Pure ASGI middleware. The 413 is raised from `receive`, so it reaches the app's
    HTTPException handler and is rendered in the usual error shape."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        declared_too_large = (
            declared is not None and declared.isdigit() and (int(declared) > self.max_bytes)
        )
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared_too_large:
                raise _too_large(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)
