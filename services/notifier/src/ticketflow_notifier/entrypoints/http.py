"""HTTP routes of the notifier: what it knows of a ticket (for operators and tests)."""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated
# dependencies (defined inside build_api_router) at definition time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ticketflow_chassis.auth import Principal, TokenCodec, bearer_principal
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_notifier.domain.access import Requester
from ticketflow_notifier.handlers.tickets import GetTicketRecord, get_ticket_record


def requester_of(principal: Principal) -> Requester:
    return Requester(principal.user_id, principal.teams, is_super_admin=principal.is_super_admin)


def build_api_router(uow: UnitOfWork, tokens: TokenCodec) -> APIRouter:
    router = APIRouter(prefix="/notifier/v1", tags=["notifier"])
    Caller = Annotated[Principal, Depends(bearer_principal(tokens))]

    @router.get("/tickets/{ticket_id}")
    async def get_ticket(ticket_id: str, caller: Caller) -> dict[str, Any]:
        context = MessageContext.for_request(caller.account_id)
        query = GetTicketRecord(ticket_id, requester_of(caller))
        record = await get_ticket_record(query, uow, context)
        return {
            "ticketId": record.ticket_id,
            "pipelineId": record.pipeline_id,
            "statusId": record.status_id,
            "subject": record.subject,
            "sourceType": record.source_type,
            "createdAt": record.created_at.isoformat(),
            "recordedAt": record.recorded_at.isoformat(),
        }

    return router
