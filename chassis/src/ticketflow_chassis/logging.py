"""Structured logs and correlation ids: one JSON object per line on stdout, and the id that
ties a request (or a consumed message) to every line it causes."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "X-Correlation-ID"
# Where the middleware leaves the id in the ASGI scope: the 500 handler runs outside the
# middleware (in Starlette's ServerErrorMiddleware), after the context variable is reset.
CORRELATION_SCOPE_KEY = "ticketflow.correlation_id"

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def bind_correlation_id(value: str | None) -> Token[str | None]:
    """Bind for the current context; pass the token to `correlation_id_var.reset`."""
    return correlation_id_var.set(value)


def current_correlation_id() -> str | None:
    return correlation_id_var.get()


# Every attribute a plain LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message, for consoles only
}


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "service", "logger", "message", "correlation_id"?, "exc"?, ...extra}`"""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        extra = {
            key: value
            for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        }
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation_id = extra.pop("correlation_id", None) or current_correlation_id()
        if correlation_id:
            entry["correlation_id"] = str(correlation_id)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # The fixed keys win over an `extra` that happens to reuse their names.
        return json.dumps({**extra, **entry}, default=str, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler[TextIO]):
    """Marks the handler configure_logging installed, so a second call replaces it."""


def configure_logging(service: str, level: str, *, stream: TextIO | None = None) -> None:
    """Route every logger (uvicorn's and FastStream's included) to JSON lines on stdout."""
    levels = logging.getLevelNamesMapping()
    if level.upper() not in levels:
        raise ValueError(f"unknown log level {level!r}; use one of DEBUG, INFO, WARNING, ERROR")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(handler)
    handler = _JsonHandler(sys.stdout if stream is None else stream)
    handler.setFormatter(JsonFormatter(service))
    root.addHandler(handler)
    root.setLevel(levels[level.upper()])


def _valid_uuid(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class CorrelationIdMiddleware:
    """Takes `X-Correlation-ID` when it is a UUID (else makes one), binds it for the request
    and echoes it on the response. A pure ASGI middleware: context variables set here are
    visible to the endpoint (BaseHTTPMiddleware would run it in another task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        correlation_id = _valid_uuid(Headers(scope=scope).get(CORRELATION_HEADER)) or str(
            uuid.uuid4()
        )
        scope[CORRELATION_SCOPE_KEY] = correlation_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
            await send(message)

        token = bind_correlation_id(correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id_var.reset(token)
