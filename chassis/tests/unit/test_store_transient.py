"""What each adapter reports as transient (worth running the unit of work again), and the
MongoDB commit repeated while its outcome is unknown.

MongoDB cannot run on this machine: the commit loop is tested here against a session that
answers as PyMongo documents it (errors labelled UnknownTransactionCommitResult), and the
adapter as a whole by the storage contract in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo.errors import AutoReconnect, OperationFailure, PyMongoError

from ticketflow_chassis.store.mongo import commit_retrying_unknown
from ticketflow_chassis.store.port import TransientStoreError, UnknownCommitError
from ticketflow_chassis.store.sqlite_connections import connect, rows_of, run

UNKNOWN = "UnknownTransactionCommitResult"


def labelled(error: PyMongoError, label: str) -> PyMongoError:
    error._add_error_label(label)
    return error


class ScriptedSession:
    """Answers each commitTransaction with the next scripted error, then succeeds."""

    def __init__(self, *errors: PyMongoError):
        self._errors = list(errors)
        self.commits = 0

    async def commit_transaction(self) -> None:
        self.commits += 1
        if self._errors:
            raise self._errors.pop(0)


async def test_a_commit_of_unknown_outcome_is_committed_again_until_it_is_known() -> None:
    session = ScriptedSession(
        labelled(AutoReconnect("connection reset during commit"), UNKNOWN),
        labelled(OperationFailure("not primary", code=10107), UNKNOWN),
    )

    await commit_retrying_unknown(session, retry_seconds=5.0)

    assert session.commits == 3


async def test_a_commit_still_unknown_after_the_bound_is_an_unknown_commit_error() -> None:
    session = ScriptedSession(*(labelled(AutoReconnect("no reply"), UNKNOWN) for _ in range(1000)))

    with pytest.raises(UnknownCommitError, match=r"still unknown after 0\.2s"):
        await commit_retrying_unknown(session, retry_seconds=0.2)
    assert 1 < session.commits < 1000


async def test_a_commit_that_ran_out_of_time_is_not_repeated() -> None:
    """MaxTimeMSExpired carries the label too, but PyMongo's with_transaction stops there."""
    session = ScriptedSession(labelled(OperationFailure("time limit", code=50), UNKNOWN))

    with pytest.raises(UnknownCommitError):
        await commit_retrying_unknown(session, retry_seconds=5.0)
    assert session.commits == 1


async def test_a_commit_refused_for_another_reason_propagates_at_once() -> None:
    session = ScriptedSession(OperationFailure("unauthorized", code=13))

    with pytest.raises(OperationFailure, match="unauthorized"):
        await commit_retrying_unknown(session, retry_seconds=5.0)
    assert session.commits == 1


async def test_a_sqlite_database_locked_by_another_writer_is_transient(tmp_path: Path) -> None:
    holder = await connect(tmp_path / "db.sqlite3", ["PRAGMA journal_mode=WAL"])
    waiter = await connect(tmp_path / "db.sqlite3", ["PRAGMA journal_mode=WAL"])
    try:
        await run(waiter, "PRAGMA busy_timeout=0")
        await run(holder, "BEGIN IMMEDIATE")
        with pytest.raises(TransientStoreError, match="locked"):
            await rows_of(waiter, "BEGIN IMMEDIATE")
        await run(holder, "COMMIT")
        await rows_of(waiter, "BEGIN IMMEDIATE")  # free again: the same call goes through
        await run(waiter, "COMMIT")
    finally:
        await holder.close()
        await waiter.close()
