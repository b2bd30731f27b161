"""Revoked API tokens and deactivated users: an API token carries its id, a revocation or a
deactivation recorded from its event makes every later check refuse the token, a restarted (or
another) instance reloads it from the store, and a token's revocation is forgotten once the
token has expired anyway; accepted API tokens are reported for their "last used"."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_chassis.auth import AuthenticationError, Principal, Role, TokenCodec
from ticketflow_chassis.revocations import (
    REVOCATIONS,
    REVOCATIONS_COLLECTION,
    Revocations,
    RevocationsRefresher,
    record_revocation,
    token_revocation,
    user_deactivation,
)
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import TEST_JWT_SECRET
from ticketflow_chassis.token_uses import TokenUseReporter, TokenUses
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import TokenRevoked, UserDeactivated, UserRecord

NOW = datetime.now(UTC)
ADA = Principal("a1", "u1", frozenset({Role.SUPER_ADMIN}), frozenset(), token_id="tok-1")
BOB = Principal("a1", "u2", frozenset(), frozenset(), token_id="tok-2")


def revoked(token_id: str = "tok-1", expires_in: timedelta = timedelta(days=30)) -> TokenRevoked:
    return TokenRevoked(
        token_id=token_id, user_id="u1", revoked_at=NOW, expires_at=NOW + expires_in
    )


def deactivated(user_id: str) -> UserDeactivated:
    return UserDeactivated(
        user=UserRecord(id=user_id, email=f"{user_id}@acme.test", role_id="3", active=False)
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
    revocations = Revocations()
    codec = TokenCodec(TEST_JWT_SECRET, "ticketflow", revoked=revocations)
    token, other = codec.issue(ADA, now=NOW), codec.issue(BOB, now=NOW)
    assert codec.decode(token, now=NOW) == ADA

    await record_revocation(token_revocation(revoked(), "a1"), uow, context(), revocations)

    with pytest.raises(AuthenticationError, match="revoked"):
        codec.decode(token, now=NOW)
    assert codec.decode(other, now=NOW) == BOB


async def test_a_deactivated_users_tokens_are_all_refused_in_that_account_only() -> None:
    _, uow = await opened()
    revocations = Revocations()
    codec = TokenCodec(TEST_JWT_SECRET, "ticketflow", revoked=revocations)
    session = Principal("a1", "u2", frozenset(), frozenset())
    namesake = Principal("a2", "u2", frozenset(), frozenset())

    await record_revocation(user_deactivation(deactivated("u2"), "a1"), uow, context(), revocations)

    for principal in (BOB, session):
        with pytest.raises(AuthenticationError, match="deactivated"):
            codec.decode(codec.issue(principal, now=NOW), now=NOW)
    assert codec.decode(codec.issue(namesake, now=NOW), now=NOW) == namesake
    assert codec.decode(codec.issue(ADA, now=NOW), now=NOW) == ADA


async def test_another_instance_refuses_them_once_it_has_reloaded_the_store() -> None:
    store, uow = await opened()
    for _ in range(2):  # told twice: recorded once
        await record_revocation(token_revocation(revoked(), "a1"), uow, context(), Revocations())
    await record_revocation(
        user_deactivation(deactivated("u2"), "a1"), uow, context(), Revocations()
    )
    elsewhere = Revocations()

    await RevocationsRefresher(store, elsewhere).load()

    assert elsewhere.refusal(ADA, NOW) == "The token was revoked."
    assert elsewhere.refusal(BOB, NOW) == "The token's user is deactivated."
    async with store.read() as tx:
        assert await tx.count(REVOCATIONS) == 2


def test_a_revocation_is_forgotten_once_its_token_has_expired() -> None:
    revocations = Revocations()
    revocations.add(token_revocation(revoked(expires_in=timedelta(hours=1)), "a1"))
    revocations.merge([token_revocation(revoked("tok-2", timedelta(seconds=-1)), "a1")], NOW)

    assert revocations.refusal(ADA, NOW) is not None
    assert revocations.refusal(ADA, NOW + timedelta(hours=2)) is None
    assert revocations.refusal(BOB, NOW) is None


async def test_accepted_api_tokens_are_noted_and_reported_once_per_token_in_their_account() -> None:
    store = MemoryStore()
    await store.open([REVOCATIONS_COLLECTION])
    uses = TokenUses()
    revocations = Revocations()
    codec = TokenCodec(TEST_JWT_SECRET, "ticketflow", revoked=revocations, uses=uses)
    other_account = Principal("a2", "u9", frozenset(), frozenset(), token_id="tok-9")
    session = Principal("a1", "u1", frozenset(), frozenset())
    for principal in (ADA, ADA, BOB, other_account, session):
        codec.decode(codec.issue(principal, now=NOW), now=NOW)
    revocations.add(token_revocation(revoked("tok-2"), "a1"))
    with pytest.raises(AuthenticationError):
        codec.decode(codec.issue(BOB, now=NOW), now=NOW + timedelta(seconds=5))

    await TokenUseReporter(uses, UnitOfWork(store, "ticket"), every_seconds=60).report()

    reported = [json.loads(e.message.body) for e in await store.outbox_entries()]
    assert sorted((r["account_id"], r["payload"]["token_id"]) for r in reported) == [
        ("a1", "tok-1"),
        ("a1", "tok-2"),  # used before its revocation, not after
        ("a2", "tok-9"),
    ]
    assert {r["payload"]["last_used_at"] for r in reported} == {
        NOW.isoformat().replace("+00:00", "Z")
    }
    assert uses.take() == {}
