"""The OpenAPI document as the API answers: HubSpot's `Error` body on every error status, 400
for invalid input on every route (never FastAPI's 422 HTTPValidationError), and the statuses
every route of a kind can answer (401 with a bearer token, 404 with path parameters, 413 with
a body)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from ticketflow_chassis.http_limits import refuse_nul_characters

ERROR_REF = "#/components/schemas/Error"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
DESCRIPTIONS = {
    202: "Accepted: the ticket service has yet to confirm; the change completes when it does",
    207: "Some inputs failed: they are listed in `errors`, the others were done",
    400: "Invalid input (VALIDATION_ERROR); `errors` names each field",
    401: "No valid bearer token (INVALID_AUTHENTICATION)",
    403: "A role, pipeline access or the account's tier forbids it (MISSING_SCOPES, TIER_LIMIT)",
    404: "No such object, or one the caller may not see (OBJECT_NOT_FOUND)",
    409: "Conflicts with the current state or a concurrent change (CONFLICT)",
    413: "The request body is larger than allowed",
    415: "The request body is not of the media type the route takes",
    422: "Valid input the current state cannot take (UNPROCESSABLE)",
    503: "A service this one waits for is unavailable (UNAVAILABLE)",
}


class ErrorDetail(BaseModel):
    """One problem: the message, the field (`in`) and a machine-readable code, when known."""

    model_config = ConfigDict(populate_by_name=True)

    message: str
    in_: str | SkipJsonSchema[None] = Field(default=None, alias="in")
    code: str | SkipJsonSchema[None] = None


class Error(BaseModel):
    """HubSpot's StandardError, the body of every error answer (chassis http_errors)."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["error"]
    category: str
    message: str
    errors: list[ErrorDetail]
    correlation_id: str = Field(alias="correlationId")


def responses_for(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """What one route answers besides its success and the statuses every route of its kind
    gets (see `document_errors`): `@router.delete(path, responses=responses_for(403, 409))`."""
    return {status: _documented(status) for status in statuses}


def _documented(status: int) -> dict[str, Any]:
    if status >= 400:
        return {"model": Error, "description": DESCRIPTIONS[status]}
    return {"description": DESCRIPTIONS[status]}


class DocumentedFastAPI(FastAPI):
    """FastAPI whose `/openapi.json` documents the errors as the chassis renders them, and
    whose every route refuses NUL characters (so that every route documents a 400)."""

    def __init__(self, **kwargs: Any) -> None:
        dependencies = [*(kwargs.pop("dependencies", None) or ()), Depends(refuse_nul_characters)]
        super().__init__(dependencies=dependencies, **kwargs)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = document_errors(super().openapi())
        return self.openapi_schema


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrites FastAPI's document in place: see the module docstring."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                _document_operation(path, operation)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["Error"] = error_schema
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def _document_operation(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # 400 everywhere: besides the parameters and bodies FastAPI validates, every route
    # refuses a NUL character anywhere in the query (chassis http_limits).
    implied: list[int] = [400]
    if _is_fastapi_validation(responses.get("422")):
        del responses["422"]
    if operation.get("security"):
        implied.append(401)
    if "{" in path:
        implied.append(404)
    if "requestBody" in operation:
        implied.append(413)
    for status in implied:
        responses.setdefault(str(status), _error_response(status))
    operation["responses"] = dict(sorted(responses.items()))


def _is_fastapi_validation(response: dict[str, Any] | None) -> bool:
    schema = (response or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
