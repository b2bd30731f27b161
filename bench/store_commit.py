"""Commits per second of the SQLite store, with PRAGMA synchronous=FULL and NORMAL.

    .venv/bin/python bench/store_commit.py [--transactions 2000] [--dir var/bench]

Each transaction is a consumed message's unit of work (inbox mark, a new document, one
outbox message), committed one after another on a fresh file per setting. FULL syncs the
WAL at every commit (a commit survives a power loss); NORMAL only at checkpoints (a commit
survives a crash of the process, not of the machine). The figures depend on the disk: run
it where the services run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from ticketflow_chassis.store.port import Collection, OutboxMessage
from ticketflow_chassis.store.sqlite import SqliteStore, Synchronous

NOTES = Collection("notes")


async def commits_per_second(path: Path, synchronous: Synchronous, transactions: int) -> float:
    store = SqliteStore(path, synchronous=synchronous)
    await store.open([NOTES])
    try:
        started = time.perf_counter()
        for n in range(transactions):
            async with store.transaction() as tx:
                await tx.mark_processed(f"bench:{n}")
                await tx.put("notes", {"id": f"n{n}", "text": "x" * 200}, expected_version=None)
                await tx.add_to_outbox(
                    OutboxMessage(f"m{n}", "ticketflow.events", "note.created", b"{}" * 100)
                )
        return transactions / (time.perf_counter() - started)
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        for synchronous in ("FULL", "NORMAL"):
            path = Path(directory) / f"{synchronous.lower()}.sqlite3"
            rate = await commits_per_second(path, synchronous, args.transactions)
            print(
                f"synchronous={synchronous:<6} {args.transactions} transactions: {rate:8.0f} tx/s"
            )


if __name__ == "__main__":
    asyncio.run(main())
