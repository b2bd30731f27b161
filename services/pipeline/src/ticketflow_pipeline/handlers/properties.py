"""Ticket property definitions (read, define, change, archive) and the properties each status
asks for. Built-ins come from the domain's catalogue; custom definitions from the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import StatusProperty, StatusSnapshot
from ticketflow_pipeline.adapters.guards import PROPERTY_DEFINITIONS_GUARDS, ChangeGuards
from ticketflow_pipeline.adapters.property_repository import PropertyRepository
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import properties, status_properties
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.accounts import Account
from ticketflow_pipeline.domain.errors import PropertyNotFound
from ticketflow_pipeline.domain.properties import PropertyChanges, PropertyDefinition
from ticketflow_pipeline.domain.property_specs import PropertySpec
from ticketflow_pipeline.handlers.loading import load_account, load_editable, read_pipeline


async def _definition(session: Session, account: Account, name: str) -> PropertyDefinition | None:
    """The built-in or stored definition named `name` (archived ones too)."""
    found = properties.built_in(name, account.created_at, account.id)
    if found is not None:
        return found
    return await PropertyRepository(session).get(account.id, name)


async def _live(session: Session, account: Account, name: str) -> PropertyDefinition:
    definition = await _definition(session, account, name)
    if definition is None or definition.archived:
        raise PropertyNotFound(name)
    return definition


# -- definitions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListProperties:
    """`archived` lists only archived ones, as HubSpot does (built-ins are never archived)."""

    archived: bool = False


@dataclass(frozen=True)
class GetProperty:
    name: str
    archived: bool = False


@dataclass(frozen=True)
class CreateProperty:
    spec: PropertySpec


@dataclass(frozen=True)
class UpdateProperty:
    name: str
    changes: PropertyChanges


@dataclass(frozen=True)
class ArchiveProperty:
    name: str


async def list_properties(
    query: ListProperties, uow: UnitOfWork, context: MessageContext
) -> list[PropertyDefinition]:
    """Built-ins first, then custom ones by name."""
    async with uow.read(context) as session:
        account = await load_account(session, context)
        custom = await PropertyRepository(session).all(account.id, archived=query.archived)
        if query.archived:
            return custom
        return [*properties.built_ins(account.created_at, account.id), *custom]


async def get_property(
    query: GetProperty, uow: UnitOfWork, context: MessageContext
) -> PropertyDefinition:
    async with uow.read(context) as session:
        account = await load_account(session, context)
        definition = await _definition(session, account, query.name)
        if definition is None or definition.archived != query.archived:
            raise PropertyNotFound(query.name)
        return definition


async def create_property(
    command: CreateProperty, uow: UnitOfWork, context: MessageContext
) -> PropertyDefinition:
    return await uow.retrying(_create_property_once, command, uow, context)


async def _create_property_once(
    command: CreateProperty, uow: UnitOfWork, context: MessageContext
) -> PropertyDefinition:
    spec = command.spec
    async with uow.begin(context) as session:
        repository = PropertyRepository(session)
        await load_account(session, context)
        guards = ChangeGuards(session, PROPERTY_DEFINITIONS_GUARDS)
        guard = await guards.get(context.account_id)
        definition = properties.define_property(
            context.account_id,
            spec,
            taken=await repository.get(context.account_id, spec.name),
            custom_count=await repository.count_live(context.account_id),
            now=session.now,
        )
        await repository.save(definition)
        await guards.save(guard)
    return definition


async def update_property(
    command: UpdateProperty, uow: UnitOfWork, context: MessageContext
) -> PropertyDefinition:
    return await uow.retrying(_update_property_once, command, uow, context)


async def _update_property_once(
    command: UpdateProperty, uow: UnitOfWork, context: MessageContext
) -> PropertyDefinition:
    async with uow.begin(context) as session:
        definition = await _live(session, await load_account(session, context), command.name)
        definition.update(command.changes, session.now)
        await PropertyRepository(session).save(definition)
    return definition


async def archive_property(
    command: ArchiveProperty, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_archive_property_once, command, uow, context)


async def _archive_property_once(
    command: ArchiveProperty, uow: UnitOfWork, context: MessageContext
) -> None:
    """Refused while a status of a live pipeline lists the property (status_properties)."""
    async with uow.begin(context) as session:
        definition = await _live(session, await load_account(session, context), command.name)
        definition.archive(session.now)
        pipelines = await PipelineRepository(session).all(context.account_id)
        status_properties.require_unlisted(pipelines, command.name)
        await PropertyRepository(session).save(definition)


# -- status properties ----------------------------------------------------------------------


@dataclass(frozen=True)
class GetStatusProperties:
    pipeline_id: str
    status_id: str
    requester: Requester


@dataclass(frozen=True)
class SetStatusProperties:
    """The ordered properties an agent fills when a ticket enters the status."""

    pipeline_id: str
    status_id: str
    wanted: Sequence[StatusProperty]
    requester: Requester


async def get_status_properties(
    query: GetStatusProperties, uow: UnitOfWork, context: MessageContext
) -> list[StatusProperty]:
    return await read_pipeline(
        uow, context, query, lambda pipeline: list(pipeline.status(query.status_id).properties)
    )


async def set_status_properties(
    command: SetStatusProperties, uow: UnitOfWork, context: MessageContext
) -> StatusSnapshot:
    return await uow.retrying(_set_status_properties_once, command, uow, context)


async def _set_status_properties_once(
    command: SetStatusProperties, uow: UnitOfWork, context: MessageContext
) -> StatusSnapshot:
    async with uow.begin(context) as session:
        account = await load_account(session, context)
        pipeline = await load_editable(session, context, command)
        names = (item.name for item in command.wanted)
        definitions = await _definitions(session, account, names)
        updated = status_properties.set_status_properties(
            pipeline, command.status_id, command.wanted, definitions, account.tier, session.now
        )
        repository = PropertyRepository(session)
        for definition in definitions.values():
            await repository.hold(definition)
        await PipelineRepository(session).save(pipeline)
    return updated


async def _definitions(
    session: Session, account: Account, names: Iterable[str]
) -> dict[str, PropertyDefinition]:
    found: dict[str, PropertyDefinition] = {}
    for name in dict.fromkeys(names):
        definition = await _definition(session, account, name)
        if definition is not None:
            found[name] = definition
    return found
