"""Every failure answers in HubSpot's error shape with the status of the one category table."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from ticketflow_chassis.http_errors import STATUS_BY_CATEGORY, error_body, install_error_handlers
from ticketflow_chassis.logging import CorrelationIdMiddleware
from ticketflow_chassis.store.port import (
    ConcurrentWriteError,
    ConflictError,
    InvalidCursorError,
    TransientStoreError,
    UniqueViolationError,
    UnknownCommitError,
)
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError

CORRELATION_ID = "2f1c6f43-9a51-4a39-9f0e-3c1c4b7f2a10"


class Item(BaseModel):
    name: str = Field(min_length=1)
    quantity: int


def failing_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)

    @app.get("/fail/{category}")
    async def fail(category: ErrorCategory) -> None:
        details = [ErrorDetail("Name is taken", "name", "DUPLICATE"), ErrorDetail("Try again")]
        raise TicketflowError("It went wrong", category, details)

    @app.post("/items")
    async def create_item(item: Item, limit: int = 10) -> dict[str, str]:
        return {"name": item.name}

    @app.get("/items/{item_id}")
    async def read_item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.put("/items/{item_id}")
    async def replace_item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.delete("/items/{item_id}")
    async def delete_item(item_id: str) -> None:
        return None

    @app.get("/conflict")
    async def conflict() -> None:
        raise ConflictError("tickets_internal", "t-1", expected=3, actual=4)

    @app.get("/duplicate")
    async def duplicate() -> None:
        raise UniqueViolationError("users_internal", "ix_account_id__email", "u-1")

    @app.get("/election")
    async def election() -> None:
        raise TransientStoreError("MongoDB is unreachable: no primary at db-internal:27017")

    @app.get("/write-race")
    async def write_race() -> None:
        raise ConcurrentWriteError("tickets_internal", "t-1")

    @app.get("/commit-unknown")
    async def commit_unknown() -> None:
        raise UnknownCommitError("the commit's outcome is still unknown: db-internal:27017")

    @app.get("/page")
    async def page() -> None:
        raise InvalidCursorError("invalid paging cursor 'zzz'")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("password=hunter2 at db-internal:5432")

    return app


async def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    # raise_app_exceptions=False: Starlette re-raises after answering 500, for the server's log.
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


def assert_error_shape(response: httpx.Response, status: int, category: str) -> dict[str, object]:
    assert response.status_code == status
    body: dict[str, object] = response.json()
    assert set(body) == {"status", "category", "message", "errors", "correlationId"}
    assert body["status"] == "error"
    assert body["category"] == category
    assert body["correlationId"] == response.headers["X-Correlation-ID"]
    return body


def test_every_category_has_an_http_status() -> None:
    assert set(STATUS_BY_CATEGORY) == set(ErrorCategory)


@pytest.mark.parametrize(
    ("category", "status"),
    [
        (ErrorCategory.VALIDATION_ERROR, 400),
        (ErrorCategory.UNPROCESSABLE, 422),
        (ErrorCategory.OBJECT_NOT_FOUND, 404),
        (ErrorCategory.CONFLICT, 409),
        (ErrorCategory.INVALID_AUTHENTICATION, 401),
        (ErrorCategory.MISSING_SCOPES, 403),
        (ErrorCategory.TIER_LIMIT, 403),
        (ErrorCategory.UNAVAILABLE, 503),
    ],
)
async def test_a_domain_error_answers_with_its_categorys_status_and_details(
    category: ErrorCategory, status: int
) -> None:
    response = await call("GET", f"/fail/{category.value}")

    body = assert_error_shape(response, status, category.value)
    assert body["message"] == "It went wrong"
    assert body["errors"] == [
        {"message": "Name is taken", "in": "name", "code": "DUPLICATE"},
        {"message": "Try again"},
    ]


async def test_only_authentication_errors_ask_for_a_bearer_token() -> None:
    unauthenticated = await call("GET", "/fail/INVALID_AUTHENTICATION")
    forbidden = await call("GET", "/fail/MISSING_SCOPES")

    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
    assert "WWW-Authenticate" not in forbidden.headers


async def test_an_unavailable_dependency_tells_the_client_to_retry_after_a_second() -> None:
    unavailable = await call("GET", "/fail/UNAVAILABLE")
    refused = await call("GET", "/fail/UNPROCESSABLE")

    assert unavailable.headers["Retry-After"] == "1"
    assert "Retry-After" not in refused.headers


async def test_invalid_fields_are_a_400_naming_each_field_without_its_source() -> None:
    response = await call("POST", "/items?limit=many", json={"name": ""})

    body = assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == [
        {
            "message": "Input should be a valid integer, unable to parse string as an integer",
            "in": "limit",
            "code": "int_parsing",
        },
        {
            "message": "String should have at least 1 character",
            "in": "name",
            "code": "string_too_short",
        },
        {"message": "Field required", "in": "quantity", "code": "missing"},
    ]
    assert body["message"] == (
        "Invalid input: limit: Input should be a valid integer, unable to parse string as an "
        "integer; name: String should have at least 1 character; quantity: Field required"
    )


async def test_a_malformed_json_body_is_a_400_not_a_500() -> None:
    response = await call(
        "POST", "/items", content=b'{"name": "x",', headers={"Content-Type": "application/json"}
    )

    body = assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == [
        {
            "message": "The request body is not valid JSON "
            "(Expecting property name enclosed in double quotes at character 13).",
            "in": "body",
            "code": "json_invalid",
        }
    ]


async def test_a_missing_body_is_a_400_naming_the_body() -> None:
    response = await call("POST", "/items")

    body = assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == [{"message": "Field required", "in": "body", "code": "missing"}]


async def test_a_version_conflict_is_a_409_asking_to_reload_without_store_internals() -> None:
    response = await call("GET", "/conflict")

    body = assert_error_shape(response, 409, "CONFLICT")
    assert body["message"] == "The object was changed by someone else; reload and retry."
    assert "tickets_internal" not in response.text


@pytest.mark.parametrize("path", ["/election", "/write-race"])
async def test_a_store_aborting_beyond_the_retries_is_a_503_to_retry_after_a_second(
    path: str,
) -> None:
    response = await call("GET", path)

    body = assert_error_shape(response, 503, "UNAVAILABLE")
    assert response.headers["Retry-After"] == "1"
    assert "retry shortly" in str(body["message"])
    assert "internal" not in response.text


async def test_a_commit_of_unknown_outcome_is_a_503_asking_to_read_before_retrying() -> None:
    response = await call("GET", "/commit-unknown")

    body = assert_error_shape(response, 503, "UNAVAILABLE")
    assert "read the object before retrying" in str(body["message"])
    assert "db-internal" not in response.text


async def test_a_unique_violation_is_a_409_without_store_internals() -> None:
    response = await call("GET", "/duplicate")

    assert_error_shape(response, 409, "CONFLICT")
    assert "ix_account_id__email" not in response.text


async def test_an_invalid_paging_cursor_is_a_400_on_after() -> None:
    response = await call("GET", "/page")

    body = assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == [
        {
            "message": "The paging cursor is invalid; pass 'after' exactly as the previous "
            "page gave it.",
            "in": "after",
            "code": "invalid_cursor",
        }
    ]


async def test_an_unknown_route_is_a_404_in_our_error_shape() -> None:
    response = await call("GET", "/no/such/thing")

    body = assert_error_shape(response, 404, "OBJECT_NOT_FOUND")
    assert body["message"] == "Nothing exists at GET /no/such/thing."
    assert body["errors"] == []


async def test_a_wrong_method_is_a_405_listing_the_allowed_ones() -> None:
    response = await call("DELETE", "/items")

    body = assert_error_shape(response, 405, "VALIDATION_ERROR")
    assert body["message"] == "DELETE is not allowed on /items."
    assert response.headers["Allow"] == "POST"


async def test_a_wrong_method_on_a_path_of_several_routes_lists_every_allowed_one() -> None:
    response = await call("POST", "/items/i1")

    assert_error_shape(response, 405, "VALIDATION_ERROR")
    assert response.headers["Allow"] == "DELETE, GET, PUT"


async def test_an_unexpected_error_is_a_500_that_leaks_nothing_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="ticketflow_chassis.http_errors"):
        response = await call("GET", "/crash", headers={"X-Correlation-ID": CORRELATION_ID})

    body = assert_error_shape(response, 500, "INTERNAL_ERROR")
    assert body == {
        "status": "error",
        "category": "INTERNAL_ERROR",
        "message": "An internal error occurred. Quote the correlation id when you report it.",
        "errors": [],
        "correlationId": CORRELATION_ID,
    }
    assert "hunter2" not in response.text
    (record,) = [r for r in caplog.records if r.name == "ticketflow_chassis.http_errors"]
    assert record.getMessage() == "unhandled error on GET /crash"
    assert getattr(record, "correlation_id", None) == CORRELATION_ID
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "password=hunter2 at db-internal:5432"


async def test_errors_carry_a_correlation_id_even_without_the_middleware() -> None:
    app = FastAPI()
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/nowhere")

    assert response.status_code == 404
    correlation_id = response.json()["correlationId"]
    assert uuid.UUID(correlation_id).version == 4
    assert response.headers["X-Correlation-ID"] == correlation_id


def test_one_refusal_renders_as_the_same_standard_error_a_response_carries() -> None:
    refusal = TicketflowError(
        "subject is too long",
        ErrorCategory.VALIDATION_ERROR,
        [ErrorDetail("at most 255 characters", "subject", "TOO_LONG")],
    )

    assert error_body(refusal, context={"index": ["3"]}) == {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": "subject is too long",
        "errors": [{"message": "at most 255 characters", "in": "subject", "code": "TOO_LONG"}],
        "context": {"index": ["3"]},
    }
