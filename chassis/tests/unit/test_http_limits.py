"""Request bodies over the cap answer 413 in the usual error shape; others pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.http_limits import BodySizeLimitMiddleware

LIMIT = 2048


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=LIMIT)
    received: list[int] = []

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, int]:
        received.append(len(body["text"]))
        return {"length": len(body["text"])}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.received = received  # type: ignore[attr-defined]
        yield client


async def test_a_body_within_the_cap_reaches_the_handler(client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", json={"text": "x" * 100})
    assert response.json() == {"length": 100}


async def test_a_declared_body_over_the_cap_is_refused_before_the_handler(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/echo", json={"text": "x" * (LIMIT + 1)})

    assert response.status_code == 413
    assert response.json()["status"] == "error"
    assert f"{LIMIT} bytes" in response.json()["message"]
    assert client.received == []  # type: ignore[attr-defined]


async def test_a_streamed_body_over_the_cap_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 512
        yield b'"}'

    response = await client.post(
        "/echo", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
