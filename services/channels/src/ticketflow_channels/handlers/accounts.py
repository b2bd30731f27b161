"""Keeping the account replica."""

from __future__ import annotations

from ticketflow_channels.adapters.repository import AccountReplicas
from ticketflow_channels.domain.replicas import AccountReplica
from ticketflow_chassis.messaging.consuming import Received
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_contracts import AccountCreated


async def apply_account_created(uow: UnitOfWork, message: Received[AccountCreated]) -> None:
    async with uow.begin(message.context) as session:
        await AccountReplicas(session).save(AccountReplica.from_created(message.payload))
