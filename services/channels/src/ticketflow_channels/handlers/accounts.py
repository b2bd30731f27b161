"""Keeping the account replica."""

from __future__ import annotations

from ticketflow_channels.adapters.repository import AccountReplicas
from ticketflow_channels.domain.replicas import AccountReplica
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import AccountCreated


async def apply_account_created(
    event: AccountCreated, uow: UnitOfWork, context: MessageContext
) -> None:
    return await uow.retrying(_apply_account_created_once, event, uow, context)


async def _apply_account_created_once(
    event: AccountCreated, uow: UnitOfWork, context: MessageContext
) -> None:
    async with uow.begin(context) as session:
        await AccountReplicas(session).save(AccountReplica.from_created(event))
