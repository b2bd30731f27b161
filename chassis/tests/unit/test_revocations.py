"""Revoked API tokens: an API token carries its id, a revocation recorded from its event makes
every later check refuse it, a restarted (or another) instance reloads it from the store, and
a revocation is forgotten once the token has expired anyway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_chassis.auth import AuthenticationError, Principal, Role, TokenCodec
from ticketflow_chassis.revocations import (
    REVOCATIONS_COLLECTION,
    RevocationsRefresher,
    RevokedTokens,
    record_revocation,
)
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TokenRevoked

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADA = Principal("a1", "u1", frozenset({Role.SUPER_ADMIN}), frozenset(), token_id="tok-1")


def revocation(token_id: str = "tok-1", expires_in: timedelta = timedelta(days=30)) -> TokenRevoked:
    return TokenRevoked(
        token_id=token_id, user_id="u1", revoked_at=NOW, expires_at=NOW + expires_in
    )


def context() -> MessageContext:
    return MessageContext("a1", uuid.uuid4(), uuid.uuid4(), f"inbox-{uuid.uuid4()}")


async def opened() -> tuple[MemoryStore, UnitOfWork]:
    store = MemoryStore()
    await store.open([REVOCATIONS_COLLECTION])
    return store, UnitOfWork(store, "ticket")


def test_an_api_token_carries_its_id_and_a_session_token_none() -> None:
    codec = TokenCodec(TEST_JWT_SECRET, "ticketflow")
    session = Principal("a1", "u1", frozenset(), frozenset())

    assert codec.decode(codec.issue(ADA, now=NOW), now=NOW) == ADA
    assert codec.decode(codec.issue(session, now=NOW), now=NOW).token_id is None


async def test_a_recorded_revocation_refuses_the_token_and_no_other() -> None:
    _, uow = await opened()
    revoked = RevokedTokens()
    codec = TokenCodec(TEST_JWT_SECRET, "ticketflow", revoked=revoked)
    token = codec.issue(ADA, now=NOW)
    other = codec.issue(Principal("a1", "u1", frozenset(), frozenset(), "tok-2"), now=NOW)
    assert codec.decode(token, now=NOW) == ADA

    await record_revocation(revocation(), uow, context(), revoked)

    with pytest.raises(AuthenticationError, match="revoked"):
        codec.decode(token, now=NOW)
    assert codec.decode(other, now=NOW).token_id == "tok-2"


async def test_another_instance_refuses_it_once_it_has_reloaded_the_store() -> None:
    store, uow = await opened()
    await record_revocation(revocation(), uow, context(), RevokedTokens())
    await record_revocation(revocation(), uow, context(), RevokedTokens())  # told twice
    elsewhere = RevokedTokens()

    await RevocationsRefresher(store, elsewhere).load()

    assert elsewhere.is_revoked("tok-1", datetime.now(UTC))
    async with store.read() as tx:
        assert (await tx.get("revocations", "tok-1")) is not None
        assert await tx.count("revocations") == 1


def test_a_revocation_is_forgotten_once_its_token_has_expired() -> None:
    revoked = RevokedTokens()
    revoked.add("tok-1", NOW + timedelta(hours=1))
    revoked.merge({"tok-2": NOW - timedelta(seconds=1)}, NOW)

    assert revoked.is_revoked("tok-1", NOW)
    assert not revoked.is_revoked("tok-1", NOW + timedelta(hours=2))
    assert not revoked.is_revoked("tok-2", NOW)
