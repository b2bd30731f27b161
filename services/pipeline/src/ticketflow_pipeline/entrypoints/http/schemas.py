"""HubSpot's CRM v3 pipeline shapes: request bodies in, pipelines and stages out."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ticketflow_chassis.http_schemas import CamelInput, Int32, timestamp
from ticketflow_contracts import StatusSnapshot, TicketState
from ticketflow_pipeline.domain.labels import MAX_LABEL_LENGTH
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus

# Documents the domain's label rule (labels.py, which enforces it): not blank, at most
# MAX_LABEL_LENGTH characters once trimmed; surrounding and repeated spaces are accepted.
Label = Annotated[
    str,
    Field(
        max_length=1000,
        pattern=r"\S",
        description=f"Not blank; at most {MAX_LABEL_LENGTH} characters once spaces are collapsed.",
    ),
]


class StageMetadata(BaseModel):
    """HubSpot sends metadata values as strings; tickets need `ticketState`."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel)

    ticket_state: TicketState


class StageInput(CamelInput):
    label: Label
    display_order: Int32
    metadata: StageMetadata

    def as_new_status(self) -> NewStatus:
        return NewStatus(self.label, self.metadata.ticket_state, self.display_order)


class StagePatch(CamelInput):
    label: Label | None = None
    display_order: Int32 | None = None
    metadata: StageMetadata | None = None
    archived: bool | None = None


class PipelineInput(CamelInput):
    label: Label
    display_order: Int32
    stages: list[StageInput] = Field(max_length=1000)


class PipelinePatch(CamelInput):
    label: Label | None = None
    display_order: Int32 | None = None
    archived: bool | None = None


class PipelineOrder(CamelInput):
    pipeline_ids: list[str] = Field(min_length=1, max_length=1000)


class StatusOrder(CamelInput):
    status_ids: list[str] = Field(min_length=1, max_length=1000)


def stage_json(stage: StatusSnapshot) -> dict[str, Any]:
    return {
        "id": stage.id,
        "label": stage.label,
        "displayOrder": stage.display_order,
        "metadata": {"ticketState": stage.ticket_state.value},
        "createdAt": timestamp(stage.created_at),
        "updatedAt": timestamp(stage.updated_at),
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.id,
        "label": pipeline.label,
        "displayOrder": pipeline.state.display_order,
        "createdAt": timestamp(pipeline.state.created_at),
        "updatedAt": timestamp(pipeline.state.updated_at),
        "archived": pipeline.archived,
        "stages": [stage_json(s) for s in pipeline.statuses],
    }
