"""HubSpot's CRM v3 properties API for tickets (`/crm/v3/properties/tickets...`), and the
pipeline settings page's status properties (a ticketflow extension:
`/settings/v1/ticket-pipelines/{id}/statuses/{id}/properties`)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import Field

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.http_openapi import responses_for
from ticketflow_chassis.http_schemas import CamelInput, Int32, timestamp
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import PropertyFieldType, PropertyOption, PropertyType, StatusProperty
from ticketflow_pipeline.domain.properties import PropertyChanges, PropertyDefinition
from ticketflow_pipeline.domain.property_specs import NewOption, PropertySpec
from ticketflow_pipeline.entrypoints.http.callers import context_of, editor_context, requester_of
from ticketflow_pipeline.handlers import properties as handlers

# No `from __future__ import annotations`: FastAPI resolves the Annotated dependencies
# (built inside build_properties_router) at definition time.

MAX_TEXT = 10_000  # a body cap; the domain applies the real limits and names them
MAX_LIST = 5_000


class OptionInput(CamelInput):
    label: str = Field(max_length=MAX_TEXT)
    value: str = Field(max_length=MAX_TEXT)
    display_order: Int32 | None = None
    hidden: bool = False
    description: str = Field(default="", max_length=MAX_TEXT)

    def as_new_option(self) -> NewOption:
        return NewOption(self.label, self.value, self.display_order, self.hidden, self.description)


class PropertyCreate(CamelInput):
    name: str = Field(max_length=MAX_TEXT)
    label: str = Field(max_length=MAX_TEXT)
    type: PropertyType
    field_type: PropertyFieldType
    group_name: str = Field(max_length=MAX_TEXT)
    description: str = Field(default="", max_length=MAX_TEXT)
    options: list[OptionInput] = Field(default_factory=list, max_length=MAX_LIST)
    display_order: Int32 = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False

    def as_spec(self) -> PropertySpec:
        return PropertySpec(
            name=self.name,
            label=self.label,
            type=self.type,
            field_type=self.field_type,
            group_name=self.group_name,
            description=self.description,
            options=[o.as_new_option() for o in self.options],
            display_order=self.display_order,
            has_unique_value=self.has_unique_value,
            hidden=self.hidden,
            form_field=self.form_field,
        )


class PropertyUpdate(CamelInput):
    """HubSpot's PropertyUpdate: every field optional; the name and `hasUniqueValue` stay."""

    label: str | None = Field(default=None, max_length=MAX_TEXT)
    type: PropertyType | None = None
    field_type: PropertyFieldType | None = None
    group_name: str | None = Field(default=None, max_length=MAX_TEXT)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    options: list[OptionInput] | None = Field(default=None, max_length=MAX_LIST)
    display_order: Int32 | None = None
    hidden: bool | None = None
    form_field: bool | None = None

    def as_changes(self) -> PropertyChanges:
        return PropertyChanges(
            label=self.label,
            type=self.type,
            field_type=self.field_type,
            group_name=self.group_name,
            description=self.description,
            options=None if self.options is None else [o.as_new_option() for o in self.options],
            display_order=self.display_order,
            hidden=self.hidden,
            form_field=self.form_field,
        )


class StatusPropertyInput(CamelInput):
    name: str = Field(min_length=1, max_length=MAX_TEXT)
    required: bool = False


class StatusPropertiesInput(CamelInput):
    properties: list[StatusPropertyInput] = Field(max_length=MAX_LIST)


def option_json(option: PropertyOption) -> dict[str, Any]:
    return {
        "label": option.label,
        "value": option.value,
        "displayOrder": option.display_order,
        "hidden": option.hidden,
        "description": option.description,
    }


def property_json(definition: PropertyDefinition) -> dict[str, Any]:
    state = definition.state
    body: dict[str, Any] = {
        "name": state.name,
        "label": state.label,
        "type": state.type.value,
        "fieldType": state.field_type.value,
        "groupName": state.group_name,
        "description": state.description,
        "options": [option_json(o) for o in state.options],
        "displayOrder": state.display_order,
        "hasUniqueValue": state.has_unique_value,
        "hidden": state.hidden,
        "formField": state.form_field,
        "calculated": definition.calculated,
        "externalOptions": definition.external_options,
        "hubspotDefined": definition.built_in,
        "createdAt": timestamp(state.created_at),
        "updatedAt": timestamp(state.updated_at),
        "archived": state.archived,
        "modificationMetadata": {
            "archivable": not definition.built_in,
            "readOnlyDefinition": definition.built_in,
            "readOnlyValue": definition.read_only_value,
            "readOnlyOptions": definition.built_in,
        },
    }
    if state.archived_at is not None:
        body["archivedAt"] = timestamp(state.archived_at)
    return body


def status_properties_json(items: list[StatusProperty]) -> dict[str, Any]:
    return {"results": [{"name": p.name, "required": p.required} for p in items]}


def build_properties_router(uow: UnitOfWork, caller: Callable[..., Any]) -> APIRouter:
    router = APIRouter()
    Caller = Annotated[Principal, Depends(caller)]
    Archived = Annotated[bool, Query(description="only archived properties")]
    base = "/crm/v3/properties/tickets"

    @router.get(base, tags=["properties"])
    async def get_all(principal: Caller, archived: Archived = False) -> dict[str, Any]:
        query = handlers.ListProperties(archived)
        found = await handlers.list_properties(query, uow, context_of(principal))
        return {"results": [property_json(d) for d in found]}

    @router.post(
        base,
        status_code=status.HTTP_201_CREATED,
        tags=["properties"],
        responses=responses_for(403, 409),
    )
    async def create(body: PropertyCreate, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.CreateProperty(body.as_spec())
        return property_json(await handlers.create_property(command, uow, context))

    @router.get(base + "/{property_name}", tags=["properties"])
    async def get_by_name(
        property_name: str, principal: Caller, archived: Archived = False
    ) -> dict[str, Any]:
        query = handlers.GetProperty(property_name, archived)
        return property_json(await handlers.get_property(query, uow, context_of(principal)))

    @router.patch(base + "/{property_name}", tags=["properties"], responses=responses_for(403, 409))
    async def update(property_name: str, body: PropertyUpdate, principal: Caller) -> dict[str, Any]:
        context = editor_context(principal)
        command = handlers.UpdateProperty(property_name, body.as_changes())
        return property_json(await handlers.update_property(command, uow, context))

    @router.delete(
        base + "/{property_name}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["properties"],
        responses=responses_for(403, 409),
    )
    async def archive(property_name: str, principal: Caller) -> None:
        """Refused (409) while a status lists the property; the message names the statuses."""
        context = editor_context(principal)
        await handlers.archive_property(handlers.ArchiveProperty(property_name), uow, context)

    # -- status properties (ticketflow extension) -----------------------------------------

    path = "/settings/v1/ticket-pipelines/{pipeline_id}/statuses/{status_id}/properties"

    @router.get(path, tags=["settings"])
    async def get_status_properties(
        pipeline_id: str, status_id: str, principal: Caller
    ) -> dict[str, Any]:
        query = handlers.GetStatusProperties(pipeline_id, status_id, requester_of(principal))
        found = await handlers.get_status_properties(query, uow, context_of(principal))
        return status_properties_json(found)

    @router.put(path, tags=["settings"], responses=responses_for(403, 409))
    async def set_status_properties(
        pipeline_id: str, status_id: str, body: StatusPropertiesInput, principal: Caller
    ) -> dict[str, Any]:
        """The ordered properties an agent fills when a ticket enters the status; `required`
        needs Professional or Enterprise."""
        context = editor_context(principal)
        wanted = [StatusProperty(name=p.name, required=p.required) for p in body.properties]
        command = handlers.SetStatusProperties(
            pipeline_id, status_id, wanted, requester_of(principal)
        )
        updated = await handlers.set_status_properties(command, uow, context)
        return status_properties_json(updated.properties)

    return router
