"""Request bodies over the cap answer 413 in the usual error shape; others pass. A NUL in
the path, the query or a JSON body answers 400 naming where."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from ticketflow_chassis.http_app import build_http_app
from ticketflow_chassis.http_errors import install_error_handlers
from ticketflow_chassis.http_limits import BodySizeLimitMiddleware
from ticketflow_chassis.runtime import ServiceRuntime
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.testing import TEST_JWT_SECRET

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


def app_with_a_larger_route(limit: int) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=LIMIT, limits_by_path={"/big": limit})

    @app.post("/big")
    @app.post("/small")
    async def length(body: dict[str, Any]) -> dict[str, int]:
        return {"length": len(body["text"])}

    return app


async def test_a_path_with_its_own_cap_takes_bodies_up_to_it_and_the_others_keep_theirs() -> None:
    transport = httpx.ASGITransport(app=app_with_a_larger_route(4 * LIMIT))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        within = await client.post("/big", json={"text": "x" * (2 * LIMIT)})
        over = await client.post("/big", json={"text": "x" * (4 * LIMIT)})
        elsewhere = await client.post("/small", json={"text": "x" * (2 * LIMIT)})

    assert within.json() == {"length": 2 * LIMIT}
    assert over.status_code == 413
    assert f"{4 * LIMIT} bytes" in over.json()["message"]
    assert elsewhere.status_code == 413
    assert f"{LIMIT} bytes" in elsewhere.json()["message"]


def service_app() -> FastAPI:
    """A service's app as build_http_app composes it, with one route taking a JSON body."""
    settings = ServiceSettings(
        service_name="demo", http_port=9, store_url="memory://", jwt_secret=TEST_JWT_SECRET
    )
    router = APIRouter()

    @router.post("/things")
    async def create_thing(body: dict[str, Any], q: str = "") -> dict[str, str]:
        return {"q": q}

    @router.get("/things/{thing_id}")
    async def read_thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return build_http_app(ServiceRuntime(settings, (), ()), title="demo", routers=[router])


async def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=service_app())  # no lifespan: nothing connects
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("POST", "/things?q=a%00b", {}, "q"),
        ("POST", "/things?q%00=1", {}, "q"),
        ("POST", "/things", {"name": "a\x00b"}, "name"),
        ("POST", "/things", {"stages": [{"label": "ok"}, {"label": "\x00"}]}, "stages.1.label"),
        ("POST", "/things", {"na\x00me": "x"}, "name"),
        ("GET", "/things/a%00b", None, "path"),
        ("GET", "/healthz?x=%00", None, "x"),
    ],
)
async def test_a_nul_anywhere_in_a_request_is_a_400_naming_where(
    method: str, url: str, body: Any, field: str
) -> None:
    response = await send(method, url, json=body)

    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in answer["errors"]] == [field]
    assert "\x00" not in response.text
    assert "\\u0000" not in response.text


async def test_text_without_nul_passes_even_with_an_escaped_backslash_u0000() -> None:
    body = b'{"name": "\\\\u0000"}'
    json_type = {"Content-Type": "application/json"}
    response = await send("POST", "/things?q=tab%09ok", content=body, headers=json_type)

    assert response.status_code == 200, response.text
    assert response.json() == {"q": "tab\tok"}
