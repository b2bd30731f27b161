"""A grant naming a user and that user's deactivation, racing on MongoDB's snapshot isolation
(the in-memory store's model of it): each reads what the other writes (the grant reads the
user, the deactivation the pipelines), so only the grant holding the user document it names
makes the later of the two see the earlier: never a pipeline granted to a deactivated user."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import AccessGrant, AccessLevel, GranteeKind, PipelineAccess, Tier
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.adapters.repository import COLLECTIONS, PipelineRepository
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.handlers.accounts import OpenAccount, create_account
from ticketflow_pipeline.handlers.pipeline_settings import SetAccess, set_access
from ticketflow_pipeline.handlers.users import CreateUser, UserRef, create_user, deactivate_user

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "a1"
ADMIN = Requester("u1", is_super_admin=True)


def context() -> MessageContext:
    return MessageContext.for_request(ACCOUNT, None)


async def account_with_bob(store: MemoryStore) -> UnitOfWork:
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    opening = OpenAccount(ACCOUNT, "Acme", Tier.PROFESSIONAL, "1", "admin@acme.test")
    await create_account(opening, uow, context())
    await create_user(CreateUser(user_id="42", email="bob@acme.test"), uow, context())
    return uow


async def test_a_grant_and_the_deactivation_of_its_grantee_never_both_commit() -> None:
    store = MemoryStore(snapshot_isolation=True)
    uow = await account_with_bob(store)
    grant = AccessGrant(grantee_kind=GranteeKind.USER, grantee_id="42", level=AccessLevel.VIEW)
    restricted = PipelineAccess(restricted=True, grants=[grant])

    with store.overlapping(2):
        outcomes = await asyncio.gather(
            set_access(SetAccess("default", restricted, ADMIN), uow, context()),
            deactivate_user(UserRef("42"), uow, context()),
            return_exceptions=True,
        )

    async with uow.read(context()) as session:
        bob = await DirectoryRepository(session).user(ACCOUNT, "42")
        pipeline = await PipelineRepository(session).get(ACCOUNT, "default")
    assert bob is not None
    assert pipeline is not None
    granted = [g.grantee_id for g in pipeline.state.access.grants]
    assert (bob.active, granted) in [(True, ["42"]), (False, [])], outcomes
    assert sum(isinstance(o, Exception) for o in outcomes) == 1, outcomes
