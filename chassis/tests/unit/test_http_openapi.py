"""The OpenAPI document lists the errors as the chassis answers them: HubSpot's Error body,
400 instead of FastAPI's 422, 401/404/413 by the route's kind, and what a route declares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_openapi import ERROR_REF, DocumentedFastAPI, responses_for

Caller = Annotated[Principal, Depends(bearer_principal(TokenCodec("s" * 32, "test")))]


class Thing(BaseModel):
    name: str


def documented() -> dict[str, Any]:
    router = APIRouter()

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: str, caller: Caller) -> dict[str, str]:
        return {}

    @router.post("/things", status_code=201, responses=responses_for(403, 409))
    async def create_thing(body: Thing, caller: Caller) -> dict[str, str]:
        return {}

    @router.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    app = DocumentedFastAPI()
    app.include_router(router)
    return app.openapi()


def test_each_route_lists_the_errors_of_its_kind_and_the_ones_it_declares() -> None:
    paths = documented()["paths"]

    assert list(paths["/things/{thing_id}"]["get"]["responses"]) == ["200", "400", "401", "404"]
    assert list(paths["/things"]["post"]["responses"]) == ["201", "400", "401", "403", "409", "413"]
    assert list(paths["/open"]["get"]["responses"]) == ["200", "400"]  # NUL in its query


def test_errors_have_hubspots_body_and_fastapis_validation_schemas_are_gone() -> None:
    document = documented()
    schemas = document["components"]["schemas"]
    answers = document["paths"]["/things"]["post"]["responses"]

    for status in ("400", "401", "403", "409", "413"):
        assert answers[status]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert schemas["Error"]["required"] == [
        "status",
        "category",
        "message",
        "errors",
        "correlationId",
    ]
    assert schemas["ErrorDetail"]["required"] == ["message"]
