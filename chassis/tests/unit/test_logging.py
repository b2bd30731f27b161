"""Logs are JSON lines carrying the service and the correlation id that ties a request together."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.logging import (
    CorrelationIdMiddleware,
    bind_correlation_id,
    configure_logging,
    correlation_id_var,
    current_correlation_id,
)
from ticketflow_contracts.errors import ErrorCategory, TicketflowError

GIVEN_ID = "6b0f6f1e-3c55-4d8e-9a57-1f0e2c9d7b44"
log = logging.getLogger("ticketflow_ticket.handlers")


class LogLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def with_message(self, message: str) -> dict[str, Any]:
        (line,) = [line for line in self.all() if line["message"] == message]
        return line


@pytest.fixture
def lines() -> Iterator[LogLines]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("ticket", "DEBUG", stream=stream)
    yield LogLines(stream)
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_a_log_line_is_one_json_object_with_the_standard_fields(lines: LogLines) -> None:
    log.info("ticket %s created", "t-1", extra={"ticket_id": "t-1", "attempt": 2})

    (line,) = lines.all()
    assert line.pop("ts").endswith("Z")
    assert line == {
        "level": "INFO",
        "service": "ticket",
        "logger": "ticketflow_ticket.handlers",
        "message": "ticket t-1 created",
        "ticket_id": "t-1",
        "attempt": 2,
    }


def test_a_bound_correlation_id_appears_on_the_line_and_is_gone_once_reset(
    lines: LogLines,
) -> None:
    token = bind_correlation_id(GIVEN_ID)
    log.info("inside")
    correlation_id_var.reset(token)
    log.info("outside")

    assert lines.with_message("inside")["correlation_id"] == GIVEN_ID
    assert "correlation_id" not in lines.with_message("outside")
    assert current_correlation_id() is None


def test_an_exception_is_logged_with_its_traceback(lines: LogLines) -> None:
    try:
        raise ValueError("bad thing")
    except ValueError:
        log.exception("failed")

    line = lines.with_message("failed")
    assert line["level"] == "ERROR"
    assert line["exc"].startswith("Traceback")
    assert line["exc"].endswith("ValueError: bad thing")


def test_extra_fields_cannot_overwrite_the_standard_ones(lines: LogLines) -> None:
    log.warning("careful", extra={"service": "impostor", "level": "DEBUG"})

    line = lines.with_message("careful")
    assert (line["service"], line["level"]) == ("ticket", "WARNING")


def test_configuring_twice_replaces_the_handler_rather_than_doubling_lines(
    lines: LogLines,
) -> None:
    configure_logging("ticket", "INFO", stream=lines.stream)
    log.info("once")
    log.debug("below the level")

    assert [line["message"] for line in lines.all()] == ["once"]


def test_an_unknown_level_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'LOUD'"):
        configure_logging("ticket", "LOUD")


# --- CorrelationIdMiddleware -----------------------------------------------------------------


def correlated_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)

    @app.get("/echo")
    async def echo() -> dict[str, str | None]:
        log.info("handling echo")
        return {"bound": current_correlation_id()}

    @app.get("/refuse")
    async def refuse() -> None:
        log.info("handling refuse")
        raise TicketflowError("No such ticket", ErrorCategory.OBJECT_NOT_FOUND)

    return app


async def get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=correlated_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers=headers)


async def test_a_given_correlation_id_is_bound_for_the_request_and_echoed(lines: LogLines) -> None:
    response = await get("/echo", {"X-Correlation-ID": GIVEN_ID})

    assert response.headers["X-Correlation-ID"] == GIVEN_ID
    assert response.json() == {"bound": GIVEN_ID}
    assert lines.with_message("handling echo")["correlation_id"] == GIVEN_ID
    assert current_correlation_id() is None


async def test_a_given_correlation_id_reaches_the_error_body_and_the_log(lines: LogLines) -> None:
    response = await get("/refuse", {"X-Correlation-ID": GIVEN_ID})

    assert response.status_code == 404
    assert response.headers["X-Correlation-ID"] == GIVEN_ID
    assert response.json()["correlationId"] == GIVEN_ID
    assert lines.with_message("handling refuse")["correlation_id"] == GIVEN_ID


async def test_without_a_correlation_id_one_is_generated_for_header_body_and_log(
    lines: LogLines,
) -> None:
    response = await get("/refuse")

    generated = response.headers["X-Correlation-ID"]
    assert uuid.UUID(generated).version == 4
    assert response.json()["correlationId"] == generated
    assert lines.with_message("handling refuse")["correlation_id"] == generated


@pytest.mark.parametrize("bad", ["not-a-uuid", "x" * 200, "1; drop table"])
async def test_a_correlation_id_that_is_not_a_uuid_is_replaced(bad: str) -> None:
    response = await get("/echo", {"X-Correlation-ID": bad})

    replaced = response.headers["X-Correlation-ID"]
    assert replaced != bad
    assert uuid.UUID(replaced).version == 4
    assert response.json() == {"bound": replaced}
