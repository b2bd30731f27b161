"""Opening an account: the account, its super admin and its default pipeline, in one commit."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import Tier
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain.accounts import OpenedAccount, open_account


@dataclass(frozen=True)
class OpenAccount:
    account_id: str
    name: str
    tier: Tier
    admin_user_id: str
    admin_email: str


async def create_account(
    command: OpenAccount, uow: UnitOfWork, context: MessageContext
) -> OpenedAccount:
    return await uow.retrying(_create_account_once, command, uow, context)


async def _create_account_once(
    command: OpenAccount, uow: UnitOfWork, context: MessageContext
) -> OpenedAccount:
    """`context` is the new account's (`command.account_id`)."""
    async with uow.begin(context) as session:
        opened = open_account(
            command.account_id,
            command.name,
            command.tier,
            command.admin_user_id,
            command.admin_email,
            session.now,
        )
        repository = PipelineRepository(session)
        await repository.add_account(opened.account, opened.admin)
        await repository.save(opened.pipeline)
    return opened
