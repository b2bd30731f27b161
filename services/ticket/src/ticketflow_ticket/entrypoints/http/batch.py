"""POST /crm/v3/objects/tickets/batch/read|create|update: HubSpot's batch API. Each input is
its own unit of work through the single-ticket handlers, so a batch is not atomic (nor is
HubSpot's): the inputs that fail are reported in `errors` with a 207, the others commit. With
an Idempotency-Key, a retry of a batch cut off midway creates only the inputs still missing."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside the builder) at definition time.

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.http_errors import error_body
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.store.port import ConflictError
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError
from ticketflow_ticket.domain.errors import IdempotencyKeyReused
from ticketflow_ticket.domain.idempotency import request_fingerprint
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.properties import timestamp
from ticketflow_ticket.entrypoints.http.schemas import (
    DEFAULT_PROPERTIES,
    REPLAYED,
    IdempotencyKey,
    TicketInput,
    requester_of,
    require_object_id,
    selected,
    ticket_json,
)
from ticketflow_ticket.handlers import changes, queries, tickets
from ticketflow_ticket.handlers.owners import OWNER_WAIT_SECONDS

MAX_INPUTS = 100  # HubSpot's limit for a batch
NOT_FOUND_MESSAGE = "Could not get some TICKET objects, they may be deleted or not exist."


class TicketId(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=100)


class BatchReadInput(BaseModel):
    """HubSpot's BatchReadInputSimplePublicObjectId (`propertiesWithHistory` is ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    inputs: list[TicketId] = Field(min_length=1, max_length=MAX_INPUTS)
    properties: list[str] = Field(default_factory=list)
    id_property: str | None = Field(default=None, alias="idProperty")


class BatchCreateInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: list[TicketInput] = Field(min_length=1, max_length=MAX_INPUTS)


class TicketUpdate(TicketInput):
    id: str = Field(min_length=1, max_length=100)


class BatchUpdateInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: list[TicketUpdate] = Field(min_length=1, max_length=MAX_INPUTS)


def _error(exc: TicketflowError, context: dict[str, list[str]]) -> dict[str, Any]:
    """HubSpot's StandardError (the chassis' one body), with the failed input's context."""
    return error_body(exc, context=context, links={})


def _batch(
    response: Response,
    started: datetime,
    results: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """BatchResponseSimplePublicObject; ...WithErrors and 207 when some inputs failed."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": timestamp(started),
        "completedAt": timestamp(datetime.now(UTC)),
    }
    if errors:
        response.status_code = status.HTTP_207_MULTI_STATUS
        body |= {"numErrors": len(errors), "errors": errors}
    return body


def _refuse(message: str, field: str) -> TicketflowError:
    return TicketflowError(message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field)])


async def _each(
    inputs: Sequence[Any],
    write: Callable[[int, Any], Awaitable[Ticket]],
    context_of: Callable[[int, Any], dict[str, list[str]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(inputs):
        try:
            results.append(ticket_json(await write(index, item)))
        except IdempotencyKeyReused:
            raise  # the whole request is refused (422), as moves refuse a reused key
        except TicketflowError as exc:
            errors.append(_error(exc, context_of(index, item)))
        except ConflictError:
            lost = TicketflowError("the ticket kept changing; retry", ErrorCategory.CONFLICT)
            errors.append(_error(lost, context_of(index, item)))
    return results, errors


def build_batch_router(
    uow: UnitOfWork, tokens: TokenCodec, owner_wait_seconds: float = OWNER_WAIT_SECONDS
) -> APIRouter:
    router = APIRouter(prefix="/crm/v3/objects/tickets/batch", tags=["tickets"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.post("/read", responses=responses_for(207))
    async def read(
        body: BatchReadInput, caller: Caller, response: Response, archived: bool = False
    ) -> dict[str, Any]:
        started = datetime.now(UTC)
        require_object_id(body.id_property)
        ids = tuple(item.id for item in body.inputs)
        command = queries.ReadTickets(requester_of(caller), ids, archived)
        context = MessageContext.for_request(caller.account_id)
        found = await queries.read_tickets(command, uow, context)
        picked = selected(body.properties) or list(DEFAULT_PROPERTIES)
        errors = []
        if found.missing:
            # A ticket of a pipeline the caller may not see reads exactly like an unknown id.
            missing = TicketflowError(NOT_FOUND_MESSAGE, ErrorCategory.OBJECT_NOT_FOUND)
            errors.append(_error(missing, {"ids": found.missing}))
        return _batch(response, started, [ticket_json(t, picked) for t in found.found], errors)

    @router.post("/create", status_code=status.HTTP_201_CREATED, responses=responses_for(207, 422))
    async def create(
        body: BatchCreateInput,
        caller: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        started = datetime.now(UTC)
        context = MessageContext.for_request(caller.account_id)
        requester = requester_of(caller)
        fingerprint = request_fingerprint("batch_create", [i.properties for i in body.inputs])
        replayed = False

        async def write(index: int, item: TicketInput) -> Ticket:
            nonlocal replayed
            if idempotency_key is None:
                command = tickets.CreateTicket(
                    requester, numeric_id(), item.properties, owner_wait_seconds
                )
                return await tickets.create_ticket(command, uow, context)
            # With a key, each input's ticket id comes from the key and the input's index: a
            # retry of a batch cut off midway finds what the first attempt created.
            keyed = tickets.CreateKeyedTicket(
                requester, idempotency_key, fingerprint, index, item.properties, owner_wait_seconds
            )
            created = await tickets.create_keyed_ticket(keyed, uow, context)
            replayed = replayed or created.replayed
            return created.ticket

        results, errors = await _each(body.inputs, write, lambda i, _: {"index": [str(i)]})
        if replayed:
            response.headers.update(REPLAYED)
        return _batch(response, started, results, errors)

    @router.post("/update", responses=responses_for(207))
    async def update(body: BatchUpdateInput, caller: Caller, response: Response) -> dict[str, Any]:
        started = datetime.now(UTC)
        seen: set[str] = set()
        for index, item in enumerate(body.inputs):
            if item.id in seen:
                raise _refuse(f"ticket {item.id!r} appears twice", f"inputs.{index}.id")
            seen.add(item.id)
        context = MessageContext.for_request(caller.account_id)
        requester = requester_of(caller)

        async def write(_: int, item: TicketUpdate) -> Ticket:
            command = changes.UpdateTicket(
                requester, item.id, item.properties, owner_wait_seconds=owner_wait_seconds
            )
            return await changes.update_ticket(command, uow, context)

        results, errors = await _each(body.inputs, write, lambda _, item: {"ids": [item.id]})
        return _batch(response, started, results, errors)

    return router
