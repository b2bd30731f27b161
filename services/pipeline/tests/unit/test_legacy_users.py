"""A store written before the directory (an account's admin as `{id, account_id, email, roles,
teams}`) is upgraded at start-up: the admin becomes a directory user, found by id and by email,
announced with `user.created`; running it again changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_pipeline.adapters.directory_repository import USERS, DirectoryRepository
from ticketflow_pipeline.adapters.repository import ACCOUNTS, COLLECTIONS
from ticketflow_pipeline.handlers.legacy_users import upgrade_legacy_users

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEGACY_ADMIN = {
    "id": "7710",
    "account_id": "acct-1",
    "email": "ada@acme.test",
    "roles": ["super_admin"],
    "teams": [],
}


async def test_a_legacy_admin_becomes_a_directory_user_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "pipeline.sqlite3")
    await store.open(COLLECTIONS)
    try:
        async with store.transaction() as tx:
            account = {"id": "acct-1", "name": "Acme", "tier": "professional"}
            await tx.put(
                ACCOUNTS, {**account, "created_at": NOW.isoformat()}, expected_version=None
            )
            await tx.put(USERS, LEGACY_ADMIN, expected_version=None)
        uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)

        first = await upgrade_legacy_users(uow)
        again = await upgrade_legacy_users(uow)

        async with uow.read(MessageContext.for_request("acct-1")) as session:
            directory = DirectoryRepository(session)
            by_id = await directory.user("acct-1", "7710")
            by_email = await directory.user_by_email("acct-1", "ada@acme.test")
            assert await session.get(USERS, "7710") is None
        assert (first, again) == (1, 0)
        assert by_id is not None
        assert by_id == by_email
        assert (by_id.is_super_admin, by_id.active) == (True, True)
        announced = [json.loads(e.message.body) for e in await store.outbox_entries()]
        assert [(e["type"], e["payload"]["user"]["id"]) for e in announced] == [
            ("user.created", "7710")
        ]
    finally:
        await store.close()
