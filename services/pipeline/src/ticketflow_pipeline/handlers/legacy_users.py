"""Upgrades user documents written before the directory (issue 11): each account's super
admin stored as `{id: <user id>, account_id, email, roles, teams}`. Each becomes a user of the
directory (its document keyed `<account>:<id>`, role from `roles`), with the `user.created`
that the ticket and notifier services' replicas never received. Run at start-up; once a
store is through it, a document says so and later start-ups read that one document only
(nothing writes the legacy shape any more)."""

from __future__ import annotations

from ticketflow_chassis.store.port import Document, Eq, Query
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_pipeline.adapters.directory_repository import USERS, DirectoryRepository
from ticketflow_pipeline.adapters.repository import ACCOUNTS, UPGRADES
from ticketflow_pipeline.domain.roles import (
    PROPERTY_SETTINGS_ROLE,
    SUPER_ADMIN_ROLE,
    USER_ROLE,
)
from ticketflow_pipeline.domain.users import new_user

_PAGE = 500
DONE = "legacy_users"


def is_legacy(doc: Document) -> bool:
    return "user_id" not in doc


def legacy_role(doc: Document) -> str:
    roles = set(doc.get("roles") or ())
    if SUPER_ADMIN_ROLE.claim in roles:
        return SUPER_ADMIN_ROLE.id
    if PROPERTY_SETTINGS_ROLE.claim in roles:
        return PROPERTY_SETTINGS_ROLE.id
    return USER_ROLE.id


async def upgrade_legacy_users(uow: UnitOfWork) -> int:
    """How many users were upgraded; one unit of work per account that has any."""
    async with uow.read(MessageContext.across_accounts()) as session:
        if await session.get(UPGRADES, DONE) is not None:
            return 0
        account_ids = [doc["id"] async for doc in session.find_all(ACCOUNTS, Query(limit=_PAGE))]
    upgraded = 0
    for account_id in account_ids:
        upgraded += await uow.retrying(_upgrade_account, account_id, uow)
    await uow.retrying(_record_done, uow)
    return upgraded


async def _record_done(uow: UnitOfWork) -> None:
    """Another instance starting at the same moment may have recorded it first."""
    async with uow.begin(MessageContext.across_accounts()) as session:
        if await session.get(UPGRADES, DONE) is None:
            await session.put(UPGRADES, {"id": DONE}, expected_version=None)


async def _upgrade_account(account_id: str, uow: UnitOfWork) -> int:
    async with uow.begin(MessageContext.for_request(account_id)) as session:
        legacy = [doc for doc in await _users_of(session, account_id) if is_legacy(doc)]
        for doc in legacy:
            await session.delete(USERS, doc["id"], expected_version=doc["version"])
            user = new_user(
                user_id=doc["id"],
                account_id=account_id,
                email=doc["email"],
                role_id=legacy_role(doc),
                now=session.now,
            )
            await DirectoryRepository(session).save_user(user)
    return len(legacy)


async def _users_of(session: Session, account_id: str) -> list[Document]:
    query = Query((Eq("account_id", account_id),), limit=_PAGE)
    return [doc async for doc in session.find_all(USERS, query)]
