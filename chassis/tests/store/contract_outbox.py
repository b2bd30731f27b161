"""The storage contract's part on delivery state: which outbox entries are due (per ordering
key, behind no waiting or parked entry of their key), a failed publish, parking, a replay,
and the inbox's expiry. StoreContract inherits it, so every adapter runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow_chassis.store.port import DocumentStore, OutboxMessage

NOW = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)  # whole ms: MongoDB keeps no more
LATER = NOW + timedelta(seconds=10)


def keyed(message_id: str, key: str) -> OutboxMessage:
    return OutboxMessage(
        message_id, "ticketflow.commands", "channels.send_message", b"{}", {}, ordering_key=key
    )


async def record(store: DocumentStore, *messages: OutboxMessage) -> None:
    async with store.transaction() as tx:
        await tx.add_to_outbox(*messages)


async def due_ids(store: DocumentStore, now: datetime, limit: int = 100) -> list[str]:
    return [e.message.message_id for e in await store.outbox_due(limit, now)]


class OutboxContract:
    async def test_a_recorded_message_is_due_at_once_with_no_failures(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "acct/ticket/t1"))
        [entry] = await store.outbox_due(10, NOW)
        assert entry.message == keyed("m1", "acct/ticket/t1")
        assert (entry.attempts, entry.last_error) == (0, None)
        assert (entry.next_attempt_at, entry.parked_at) == (None, None)
        assert await store.outbox_entries() == [entry]

    async def test_the_due_entries_come_in_seq_order_up_to_the_limit(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "a"), keyed("m2", "b"), keyed("m3", "a"))
        assert await due_ids(store, NOW, limit=2) == ["m1", "m2"]
        assert await due_ids(store, NOW, limit=0) == []

    async def test_a_failed_entry_waits_for_its_next_attempt_and_holds_back_only_its_key(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "a"), keyed("m2", "b"), keyed("m3", "a"))
        await store.outbox_failed("m1", "DeliveryError: NO_ROUTE", retry_at=LATER, now=NOW)

        assert await due_ids(store, NOW) == ["m2"]
        assert await due_ids(store, LATER) == ["m1", "m2", "m3"]
        [failed] = [e for e in await store.outbox_entries() if e.message.message_id == "m1"]
        assert (failed.attempts, failed.last_error) == (1, "DeliveryError: NO_ROUTE")
        assert (failed.next_attempt_at, failed.parked_at) == (LATER, None)

        await store.outbox_failed("m1", "again", retry_at=LATER, now=NOW)
        [failed] = [e for e in await store.outbox_entries() if e.message.message_id == "m1"]
        assert (failed.attempts, failed.last_error) == (2, "again")

    async def test_an_entry_before_the_failed_one_of_its_key_stays_due(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "a"), keyed("m2", "a"))
        await store.outbox_failed("m2", "boom", retry_at=LATER, now=NOW)
        assert await due_ids(store, NOW) == ["m1"]

    async def test_a_parked_entry_holds_back_its_key_until_it_is_replayed(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "a"), keyed("m2", "b"), keyed("m3", "a"))
        await store.outbox_failed("m1", "boom", retry_at=None, now=NOW)

        assert await due_ids(store, NOW + timedelta(days=365)) == ["m2"]
        [parked] = await store.outbox_entries(parked_only=True)
        assert parked.message.message_id == "m1"
        assert (parked.attempts, parked.last_error, parked.parked_at) == (1, "boom", NOW)
        assert parked.next_attempt_at is None

        assert await store.outbox_unpark() == 1
        assert await store.outbox_entries(parked_only=True) == []
        [replayed] = [e for e in await store.outbox_entries() if e.message.message_id == "m1"]
        assert (replayed.attempts, replayed.last_error) == (0, None)
        assert (replayed.next_attempt_at, replayed.parked_at) == (None, None)
        assert await due_ids(store, NOW) == ["m1", "m2", "m3"]

    async def test_replaying_named_entries_makes_them_due_whether_parked_or_waiting(
        self, store: DocumentStore
    ) -> None:
        await record(store, keyed("m1", "a"), keyed("m2", "b"), keyed("m3", "c"))
        await store.outbox_failed("m1", "boom", retry_at=None, now=NOW)
        await store.outbox_failed("m2", "boom", retry_at=LATER, now=NOW)
        await store.outbox_failed("m3", "boom", retry_at=None, now=NOW)

        assert await store.outbox_unpark(["m1", "m2", "never-there"]) == 2
        assert await due_ids(store, NOW) == ["m1", "m2"]
        assert [e.message.message_id for e in await store.outbox_entries(parked_only=True)] == [
            "m3"
        ]
        assert await store.outbox_unpark([]) == 0

    async def test_expiring_the_inbox_forgets_only_marks_older_than_the_time(
        self, store: DocumentStore
    ) -> None:
        async with store.transaction() as tx:
            assert await tx.mark_processed("q:m1")
        now = datetime.now(UTC)
        assert await store.expire_processed(now - timedelta(days=1)) == 0
        async with store.transaction() as tx:
            assert await tx.mark_processed("q:m1") is False
        assert await store.expire_processed(now + timedelta(minutes=1)) == 1
        async with store.transaction() as tx:
            assert await tx.mark_processed("q:m1") is True
