"""Ticket property definitions (read, define, change, archive) and the properties each status
asks for. Built-ins come from the domain's catalogue; custom definitions from the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import StatusProperty, StatusSnapshot
from ticketflow_pipeline.adapters.property_repository import PropertyRepository
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import properties, status_properties
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.accounts import Account
from ticketflow_pipeline.domain.errors import AccountNotFound, PropertyNotFound
from ticketflow_pipeline.domain.properties import PropertyChanges, PropertyDefinition
from ticketflow_pipeline.domain.property_specs import PropertySpec
from ticketflow_pipeline.handlers.loading import load_editable, load_visible


async def _account(session: Session, context: MessageContext) -> Account:
    account = await PipelineRepository(session).account(context.account_id)
    if account is None:
        raise AccountNotFound(context.account_id)
    return account


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


async def list_properties(
    uow: UnitOfWork, context: MessageContext, *, archived: bool = False
) -> list[PropertyDefinition]:
    """Built-ins first, then custom ones by name; `archived` lists only archived ones, as
    HubSpot does (built-ins are never archived)."""
    async with uow.begin(context) as session:
        account = await _account(session, context)
        custom = await PropertyRepository(session).all(account.id, archived=archived)
        if archived:
            return custom
        return [*properties.built_ins(account.created_at, account.id), *custom]


async def get_property(
    uow: UnitOfWork, context: MessageContext, name: str, *, archived: bool = False
) -> PropertyDefinition:
    async with uow.begin(context) as session:
        account = await _account(session, context)
        definition = await _definition(session, account, name)
        if definition is None or definition.archived != archived:
            raise PropertyNotFound(name)
        return definition


async def create_property(
    uow: UnitOfWork, context: MessageContext, spec: PropertySpec
) -> PropertyDefinition:
    async with uow.begin(context) as session:
        repository = PropertyRepository(session)
        await _account(session, context)
        definition = properties.define_property(
            context.account_id,
            spec,
            taken=await repository.get(context.account_id, spec.name),
            custom_count=await repository.count_live(context.account_id),
            now=session.now,
        )
        await repository.save(definition)
    return definition


async def update_property(
    uow: UnitOfWork, context: MessageContext, name: str, changes: PropertyChanges
) -> PropertyDefinition:
    async with uow.begin(context) as session:
        definition = await _live(session, await _account(session, context), name)
        definition.update(changes, session.now)
        await PropertyRepository(session).save(definition)
    return definition


async def archive_property(uow: UnitOfWork, context: MessageContext, name: str) -> None:
    """Refused while a status of a live pipeline lists the property (status_properties)."""
    async with uow.begin(context) as session:
        definition = await _live(session, await _account(session, context), name)
        definition.archive(session.now)
        pipelines = await PipelineRepository(session).all(context.account_id)
        status_properties.require_unlisted(pipelines, name)
        await PropertyRepository(session).save(definition)


# -- status properties ----------------------------------------------------------------------


async def get_status_properties(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status_id: str,
    requester: Requester,
) -> list[StatusProperty]:
    async with uow.begin(context) as session:
        pipeline = await load_visible(session, context, pipeline_id, requester)
        return list(pipeline.status(status_id).properties)


async def set_status_properties(
    uow: UnitOfWork,
    context: MessageContext,
    pipeline_id: str,
    status_id: str,
    wanted: Sequence[StatusProperty],
    requester: Requester,
) -> StatusSnapshot:
    async with uow.begin(context) as session:
        account = await _account(session, context)
        pipeline = await load_editable(session, context, pipeline_id, requester)
        definitions = await _definitions(session, account, (item.name for item in wanted))
        updated = status_properties.set_status_properties(
            pipeline, status_id, wanted, definitions, account.tier, session.now
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
