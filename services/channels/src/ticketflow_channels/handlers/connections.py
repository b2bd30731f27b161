"""Channel connections: list, read, connect, update, disconnect. Each change records its
event (with the next revision) in the transaction that stores it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ticketflow_channels.adapters.repository import (
    ConnectionRepository,
    TargetGuards,
    pipeline_replica,
)
from ticketflow_channels.domain import connections
from ticketflow_channels.domain.access import Requester, may_view
from ticketflow_channels.domain.connections import (
    ChannelConnection,
    ConnectionChanges,
    NewConnection,
)
from ticketflow_channels.domain.errors import ConnectionNotFound
from ticketflow_chassis.ids import numeric_id
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork

NewId = Callable[[], str]


async def _load_connected(
    session: Session, context: MessageContext, connection_id: str
) -> ChannelConnection:
    """A disconnected connection, or another account's, does not exist for the caller."""
    connection = await ConnectionRepository(session).get(context.account_id, connection_id)
    if connection is None or not connection.connected:
        raise ConnectionNotFound(connection_id)
    return connection


@dataclass(frozen=True)
class ListConnections:
    """The account's connected channels the requester may see, oldest first."""

    requester: Requester


@dataclass(frozen=True)
class GetConnection:
    connection_id: str
    requester: Requester


@dataclass(frozen=True)
class ConnectChannel:
    new: NewConnection
    new_id: NewId = numeric_id


@dataclass(frozen=True)
class UpdateConnection:
    connection_id: str
    changes: ConnectionChanges


@dataclass(frozen=True)
class DisconnectChannel:
    connection_id: str


async def list_connections(
    query: ListConnections, uow: UnitOfWork, context: MessageContext
) -> list[ChannelConnection]:
    async with uow.read(context) as session:
        found = await ConnectionRepository(session).connected(context.account_id)
        pipeline_ids = {connection.state.pipeline_id for connection in found}
        visible = {
            pipeline_id
            for pipeline_id in pipeline_ids
            if may_view(
                await pipeline_replica(session, context.account_id, pipeline_id), query.requester
            )
        }
    return [connection for connection in found if connection.state.pipeline_id in visible]


async def get_connection(
    query: GetConnection, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    async with uow.read(context) as session:
        connection = await _load_connected(session, context, query.connection_id)
        pipeline_id = connection.state.pipeline_id
        pipeline = await pipeline_replica(session, context.account_id, pipeline_id)
    if not may_view(pipeline, query.requester):
        raise ConnectionNotFound(query.connection_id)
    return connection


async def connect_channel(
    command: ConnectChannel, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    return await uow.retrying(_connect_channel_once, command, uow, context)


async def _connect_channel_once(
    command: ConnectChannel, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    new = command.new
    async with uow.begin(context) as session:
        repository = ConnectionRepository(session)
        address = connections.clean_address(new.type, new.address)
        connection = ChannelConnection.connect(
            account_id=context.account_id,
            connection_id=command.new_id(),
            new=new,
            target=await pipeline_replica(session, context.account_id, new.pipeline_id),
            taken=await repository.connected_with(
                context.account_id, new.type, connections.address_key(new.type, address)
            ),
            now=session.now,
        )
        await repository.save(connection)
        await TargetGuards(session).record_change(context.account_id, new.pipeline_id)
    return connection


async def update_connection(
    command: UpdateConnection, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    return await uow.retrying(_update_connection_once, command, uow, context)


async def _update_connection_once(
    command: UpdateConnection, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    changes = command.changes
    async with uow.begin(context) as session:
        repository = ConnectionRepository(session)
        connection = await _load_connected(session, context, command.connection_id)
        taken = None
        if changes.address is not None:
            address = connections.clean_address(connection.type, changes.address)
            key = connections.address_key(connection.type, address)
            taken = await repository.connected_with(context.account_id, connection.type, key)
        target = None
        if changes.pipeline_id is not None:
            target = await pipeline_replica(session, context.account_id, changes.pipeline_id)
        if connection.update(changes, target=target, taken=taken, now=session.now):
            await repository.save(connection)
            if changes.pipeline_id is not None:
                await TargetGuards(session).record_change(context.account_id, changes.pipeline_id)
    return connection


async def disconnect_channel(
    command: DisconnectChannel, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    return await uow.retrying(_disconnect_channel_once, command, uow, context)


async def _disconnect_channel_once(
    command: DisconnectChannel, uow: UnitOfWork, context: MessageContext
) -> ChannelConnection:
    async with uow.begin(context) as session:
        connection = await _load_connected(session, context, command.connection_id)
        connection.disconnect(session.now)
        await ConnectionRepository(session).save(connection)
    return connection
