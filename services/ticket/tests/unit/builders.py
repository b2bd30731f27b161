"""Plain builders (no fixtures) of pipeline replicas and property definitions for the tests."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow_chassis.replica import apply_pipeline_snapshots
from ticketflow_chassis.testing import pipeline_snapshot
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import (
    PipelineAccess,
    PipelineRules,
    PropertyFieldType,
    PropertyOption,
    PropertyType,
    TicketPropertySnapshot,
    TicketState,
)
from ticketflow_ticket.adapters.repository import PIPELINES
from ticketflow_ticket.domain.properties import PropertyDefinitionReplica
from ticketflow_ticket.domain.replicas import PipelineReplica
from ticketflow_ticket.handlers import moves

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# id -> (state, required properties); display order is the order given.
SUPPORT = {
    "new": (TicketState.OPEN, ()),
    "waiting": (TicketState.OPEN, ()),
    "escalated": (TicketState.OPEN, ("hs_ticket_priority", "severity")),
    "done": (TicketState.CLOSED, ()),
}


def pipeline(
    pipeline_id: str = "p1",
    statuses: dict[str, tuple[TicketState, tuple[str, ...]]] | None = None,
    *,
    rules: PipelineRules | None = None,
    access: PipelineAccess | None = None,
    revision: int = 1,
    account_id: str = "a1",
) -> PipelineReplica:
    chosen = statuses or SUPPORT
    snapshot = pipeline_snapshot(
        pipeline_id,
        {status_id: state for status_id, (state, _) in chosen.items()},
        required={status_id: required for status_id, (_, required) in chosen.items()},
        rules=rules,
        access=access,
        at=NOW,
    )
    return PipelineReplica(account_id, revision, snapshot)


def definition(
    name: str,
    type_: PropertyType = PropertyType.STRING,
    field_type: PropertyFieldType = PropertyFieldType.TEXT,
    options: tuple[str, ...] = (),
    *,
    revision: int = 1,
    archived: bool = False,
    account_id: str = "a1",
) -> PropertyDefinitionReplica:
    snapshot = TicketPropertySnapshot(
        name=name,
        label=name.title(),
        type=type_,
        field_type=field_type,
        group_name="ticketinformation",
        options=[PropertyOption(value=o, label=o.title()) for o in options],
        archived=archived,
        created_at=NOW,
        updated_at=NOW,
    )
    return PropertyDefinitionReplica(account_id, revision, snapshot)


E, F = PropertyType, PropertyFieldType
DEFINITIONS = {
    d.definition.name: d
    for d in (
        definition("severity", E.ENUMERATION, F.SELECT, ("minor", "major")),
        definition("tags", E.ENUMERATION, F.CHECKBOX, ("vip", "refund", "bug")),
        definition("seats", E.NUMBER, F.NUMBER),
        definition("renewal", E.DATE, F.DATE),
        definition("escalated_at", E.DATETIME, F.DATE),
        definition("is_vip", E.BOOL, F.BOOLEANCHECKBOX, ("true", "false")),
        definition("notes", E.STRING, F.TEXTAREA),
        definition("legacy", archived=True, revision=2),
    )
}

# The ticket service's pipeline-snapshot handler (the chassis' one, on its replica collection).
apply_pipeline_snapshot = apply_pipeline_snapshots(PIPELINES)


def placed(
    pipeline_id: str, status_id: str | None = None, values: dict[str, str | None] | None = None
) -> dict[str, str | None]:
    """A new ticket's HubSpot properties: `values` in pipeline `pipeline_id`, status `status_id`."""
    placement = {"hs_pipeline": pipeline_id, "hs_pipeline_stage": status_id}
    return {k: v for k, v in placement.items() if v is not None} | (values or {})


async def runnable_jobs(uow: UnitOfWork) -> list[moves.JobRef]:
    """The bulk-move jobs a runner would pick up now, as the runner asks for them."""
    return await moves.runnable_moves(
        moves.FindRunnableMoves(), uow, MessageContext.across_accounts()
    )
