"""Pipeline rules as pure functions: which status a ticket may enter, from where, and what it
must hold there. Super admins, property-settings editors and automation bypass the pipeline
rules (creation statuses, no skipping, no moving backwards), as in HubSpot; required status
properties bind every person, and automation only where it can fill them (it cannot)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ticketflow_contracts import StatusSnapshot
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.errors import InvalidTicket, MissingStatusProperties
from ticketflow_ticket.domain.gates import PipelineGate
from ticketflow_ticket.domain.properties import PIPELINE, STATUS
from ticketflow_ticket.domain.replicas import PipelineReplica

NOT_A_STATUS = "NOT_A_STATUS"
NOT_A_CREATION_STATUS = "NOT_A_CREATION_STATUS"
SKIPS_STATUSES = "SKIPS_STATUSES"
MOVES_BACKWARDS = "MOVES_BACKWARDS"
# The pipeline a ticket without hs_pipeline goes to (HubSpot's account default is `0`).
DEFAULT_PIPELINE = "default"


@dataclass(frozen=True)
class Placement:
    """Where a new ticket goes: `status_id` None lets creation_status choose; `values` are
    the properties other than hs_pipeline and hs_pipeline_stage."""

    pipeline_id: str
    status_id: str | None
    values: Mapping[str, str | None]


def placement(properties: Mapping[str, str | None]) -> Placement:
    """HubSpot's properties of a new ticket -> its pipeline (the default one when unnamed),
    the status asked for, and the rest."""
    return Placement(
        pipeline_id=properties.get(PIPELINE) or DEFAULT_PIPELINE,
        status_id=properties.get(STATUS),
        values={k: v for k, v in properties.items() if k not in (PIPELINE, STATUS)},
    )


def _refuse(message: str, code: str) -> InvalidTicket:
    return InvalidTicket([ErrorDetail(message, STATUS, code)])


def entered_status(pipeline: PipelineReplica, gate: PipelineGate, status_id: str) -> StatusSnapshot:
    """The status `status_id` of `pipeline`, when it exists and its gate lets tickets in."""
    status = pipeline.status(status_id)
    if status is None:
        raise _refuse(
            f"status {status_id!r} is not a status of pipeline {pipeline.pipeline.id!r}",
            NOT_A_STATUS,
        )
    gate.require_open(status.id)
    return status


def creation_status(
    pipeline: PipelineReplica, gate: PipelineGate, status_id: str | None, requester: Requester
) -> StatusSnapshot:
    """Where a new ticket starts: the status asked for (one of the pipeline's creation
    statuses, when it limits them), else the first creation status the gate admits, else
    the first Open status it admits."""
    gate.require_open()
    creation_ids = pipeline.pipeline.rules.creation_status_ids
    if status_id:
        status = entered_status(pipeline, gate, status_id)
        if creation_ids and status.id not in creation_ids and not requester.bypasses_pipeline_rules:
            raise _refuse(
                f"pipeline {pipeline.pipeline.id!r} creates tickets only in the statuses "
                f"{', '.join(creation_ids)}, not in {status_id!r}",
                NOT_A_CREATION_STATUS,
            )
        return status
    allowed = [s for s in pipeline.ordered_statuses() if s.id in creation_ids and gate.admits(s.id)]
    first = allowed[0] if allowed else pipeline.first_open_status(gate.closed_status_ids)
    if first is None:
        raise _refuse(
            f"pipeline {pipeline.pipeline.id!r} has no open status that takes tickets",
            NOT_A_STATUS,
        )
    return first


def check_move(
    pipeline: PipelineReplica, from_status_id: str, target: StatusSnapshot, requester: Requester
) -> None:
    """Within one pipeline, by display order: with `forbid_skipping` only the next status or
    an earlier one; with `forbid_backwards` no earlier one."""
    rules = pipeline.pipeline.rules
    if requester.bypasses_pipeline_rules or not (rules.forbid_skipping or rules.forbid_backwards):
        return
    ordered = [s.id for s in pipeline.ordered_statuses()]
    if from_status_id not in ordered:
        return  # it left a status that no longer exists: any way out is fine
    here, there = ordered.index(from_status_id), ordered.index(target.id)
    if rules.forbid_backwards and there < here:
        raise _refuse(
            f"pipeline {pipeline.pipeline.id!r} does not let tickets move back from "
            f"{from_status_id!r} to {target.id!r}",
            MOVES_BACKWARDS,
        )
    if rules.forbid_skipping and there > here + 1:
        raise _refuse(
            f"pipeline {pipeline.pipeline.id!r} does not let tickets skip statuses: from "
            f"{from_status_id!r} the next one is {ordered[here + 1]!r}, not {target.id!r}",
            SKIPS_STATUSES,
        )


def require_status_properties(
    status: StatusSnapshot, values: Mapping[str, str], requester: Requester
) -> None:
    """Raises MissingStatusProperties (422) naming every required property left empty."""
    if requester.is_automation:
        return
    missing = [p.name for p in status.properties if p.required and not values.get(p.name)]
    if missing:
        raise MissingStatusProperties(status.id, missing)
