"""The one table from error category to HTTP status, and the handlers that render every error
in HubSpot's shape: {"status":"error","category","message","errors":[...],"correlationId"}."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from types import MappingProxyType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ticketflow_chassis.logging import (
    CORRELATION_HEADER,
    CORRELATION_SCOPE_KEY,
    current_correlation_id,
)
from ticketflow_chassis.store.port import (
    ConflictError,
    InvalidCursorError,
    TransientStoreError,
    UniqueViolationError,
    UnknownCommitError,
)
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError

log = logging.getLogger(__name__)

STATUS_BY_CATEGORY: Mapping[ErrorCategory, int] = MappingProxyType(
    {
        ErrorCategory.VALIDATION_ERROR: 400,
        ErrorCategory.UNPROCESSABLE: 422,
        ErrorCategory.OBJECT_NOT_FOUND: 404,
        ErrorCategory.CONFLICT: 409,
        ErrorCategory.INVALID_AUTHENTICATION: 401,
        ErrorCategory.MISSING_SCOPES: 403,
        # HubSpot's error-handling docs give TIER_LIMIT no status of its own (they list 403 only
        # for missing permissions, 429 only for rate limits); a plan that forbids the action is
        # a refusal, not a throttle, so 403 — with the category telling it apart from scopes.
        ErrorCategory.TIER_LIMIT: 403,
        ErrorCategory.UNAVAILABLE: 503,
    }
)
# For framework HTTPExceptions, which carry a status but no category; 403 reads as scopes.
_CATEGORY_BY_STATUS: Mapping[int, ErrorCategory] = MappingProxyType(
    {
        status: category
        for category, status in STATUS_BY_CATEGORY.items()
        if category is not ErrorCategory.TIER_LIMIT
    }
)
INTERNAL_ERROR = "INTERNAL_ERROR"
INTERNAL_ERROR_MESSAGE = "An internal error occurred. Quote the correlation id when you report it."
CONFLICT_MESSAGE = "The object was changed by someone else; reload and retry."
UNIQUE_MESSAGE = "Another object already has the same value where only one may."
STORE_UNAVAILABLE_MESSAGE = "The store is unavailable for a moment (a failover?); retry shortly."
UNKNOWN_COMMIT_MESSAGE = (
    "The store could not confirm whether the change was saved; read the object before retrying."
)
STORE_RETRY_AFTER_SECONDS = "1"
CURSOR_MESSAGE = "The paging cursor is invalid; pass 'after' exactly as the previous page gave it."
MAX_DETAILS = 100
# Pydantic locations start with where the value came from; the sender knows that already.
_LOCATION_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})


def http_status(category: ErrorCategory) -> int:
    return STATUS_BY_CATEGORY[category]


def error_response(
    request: Request,
    status: int,
    category: str,
    message: str,
    errors: Iterable[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error body every service answers with, carrying the request's correlation id."""
    correlation_id = correlation_id_of(request)
    body = _standard_error(category, message, errors) | {"correlationId": correlation_id}
    response_headers = {**(headers or {}), CORRELATION_HEADER: correlation_id}
    if status == 401:
        response_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=response_headers)


def error_body(exc: TicketflowError, **extra: Any) -> dict[str, Any]:
    """HubSpot's StandardError for one refusal, without a response around it: what a batch
    answer lists for each input that failed (`error_body(exc, context={"index": ["0"]})`)."""
    return _standard_error(exc.category.value, exc.message, exc.errors) | extra


def _standard_error(category: str, message: str, errors: Iterable[ErrorDetail]) -> dict[str, Any]:
    return {
        "status": "error",
        "category": category,
        "message": message,
        "errors": [_detail_json(detail) for detail in errors],
    }


def correlation_id_of(request: Request) -> str:
    """The id CorrelationIdMiddleware bound; a fresh one when the request came without it."""
    bound = current_correlation_id() or request.scope.get(CORRELATION_SCOPE_KEY)
    if not bound:
        bound = str(uuid.uuid4())
        request.scope[CORRELATION_SCOPE_KEY] = bound
    return str(bound)


def _detail_json(detail: ErrorDetail) -> dict[str, str]:
    entry = {"message": detail.message, "in": detail.field, "code": detail.code}
    return {key: value for key, value in entry.items() if value is not None}


async def _on_ticketflow_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TicketflowError)
    status = http_status(exc.category)
    log.info("request refused (%s): %s", exc.category.value, exc.message)
    # Something this service depends on is down for a moment: tell the client when to retry.
    unavailable = exc.category is ErrorCategory.UNAVAILABLE
    headers = {"Retry-After": STORE_RETRY_AFTER_SECONDS} if unavailable else None
    return error_response(
        request, status, exc.category.value, exc.message, exc.errors, headers=headers
    )


def _location(loc: Sequence[int | str]) -> str | None:
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in _LOCATION_SOURCES:
        parts = parts[1:]
    return ".".join(parts) or None


def _validation_detail(error: Mapping[str, Any]) -> ErrorDetail:
    code = str(error.get("type", "invalid"))
    if code == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "malformed JSON")
        position = error["loc"][-1] if error.get("loc") else "?"
        return ErrorDetail(
            f"The request body is not valid JSON ({reason} at character {position}).",
            "body",
            code,
        )
    return ErrorDetail(
        str(error.get("msg", "Invalid value")), _location(error.get("loc", ())), code
    )


async def _on_request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_validation_detail(error) for error in exc.errors()[:MAX_DETAILS]]
    summary = "; ".join(f"{d.field}: {d.message}" if d.field else d.message for d in details[:5])
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    message = f"Invalid input: {summary}{more}" if details else "Invalid input."
    return error_response(request, 400, ErrorCategory.VALIDATION_ERROR.value, message, details)


async def _on_conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConflictError)
    log.info("version conflict: %s", exc)
    return error_response(request, 409, ErrorCategory.CONFLICT.value, CONFLICT_MESSAGE)


async def _on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """What the unit of work's retries could not get past in their bounded time."""
    assert isinstance(exc, TransientStoreError | UnknownCommitError)
    log.warning("store unavailable: %s", exc)
    message = (
        UNKNOWN_COMMIT_MESSAGE if isinstance(exc, UnknownCommitError) else STORE_UNAVAILABLE_MESSAGE
    )
    return error_response(
        request,
        503,
        ErrorCategory.UNAVAILABLE.value,
        message,
        headers={"Retry-After": STORE_RETRY_AFTER_SECONDS},
    )


async def _on_unique_violation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UniqueViolationError)
    log.info("unique violation: %s", exc)
    return error_response(request, 409, ErrorCategory.CONFLICT.value, UNIQUE_MESSAGE)


async def _on_invalid_cursor(request: Request, exc: Exception) -> JSONResponse:
    detail = ErrorDetail(CURSOR_MESSAGE, "after", "invalid_cursor")
    return error_response(
        request, 400, ErrorCategory.VALIDATION_ERROR.value, CURSOR_MESSAGE, [detail]
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
    if message == phrase and status == 404:
        message = f"Nothing exists at {request.method} {request.url.path}."
    elif message == phrase and status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    if status >= 500:
        category = INTERNAL_ERROR
    else:
        category = _CATEGORY_BY_STATUS.get(status, ErrorCategory.VALIDATION_ERROR).value
    headers = dict(exc.headers or {})
    if status == 405:
        allowed = allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return error_response(request, status, category, message, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path (RFC 9110 §15.5.6).

    Starlette's 405 names only the first route that matched the path, so a path served by
    several routes (GET and POST declared apart) would otherwise list one of them."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Runs in Starlette's outermost middleware, after the correlation context was reset:
    # pass the id explicitly. The exception text may hold internals; it goes to the log only.
    correlation_id = correlation_id_of(request)
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"correlation_id": correlation_id},
    )
    return error_response(request, 500, INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TicketflowError, _on_ticketflow_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation_error)
    app.add_exception_handler(ConflictError, _on_conflict)
    app.add_exception_handler(UniqueViolationError, _on_unique_violation)
    app.add_exception_handler(TransientStoreError, _on_store_unavailable)
    app.add_exception_handler(UnknownCommitError, _on_store_unavailable)
    app.add_exception_handler(InvalidCursorError, _on_invalid_cursor)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected_error)
