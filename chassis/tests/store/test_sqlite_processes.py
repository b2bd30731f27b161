"""Several processes on one SQLite file, as `ticketflow up --scale channels-ingest=N` runs
channels: each opens the store (the first creates the file), then writes through units of
work at the same time as the others; SQLite's file lock makes them take turns, and a unit of
work that waited too long for it runs again (TransientStoreError). Nothing is lost."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.store.sqlite import SqliteStore

WRITES = 60
# One writer process: opens the store on argv[1], then WRITES units of work, each adding a
# document of its own and incrementing a counter every process shares (a read-modify-write).
WRITER = """
import asyncio, sys
from pathlib import Path
from ticketflow_chassis.store.port import Collection
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork

path, name, writes, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])

async def bump(uow, i):
    async with uow.begin(MessageContext.across_accounts()) as session:
        counter = await session.get("notes", "counter")
        await session.put(
            "notes",
            {"id": "counter", "n": (counter or {"n": 0})["n"] + 1},
            expected_version=None if counter is None else counter["version"],
        )
        await session.put("notes", {"id": f"{name}-{i}"}, expected_version=None)

async def main():
    while not start.exists():  # every writer waits for the signal: they open at once
        await asyncio.sleep(0.005)
    store = SqliteStore(path, synchronous="NORMAL")
    await store.open([Collection("notes")])
    uow = UnitOfWork(store, producer=name)
    try:
        for i in range(writes):
            await uow.retrying(bump, uow, i)
    finally:
        await store.close()

asyncio.run(main())
"""


async def test_processes_writing_to_one_file_at_once_all_succeed(tmp_path: Path) -> None:
    path, start = tmp_path / "var" / "channels.sqlite3", tmp_path / "start"
    path.parent.mkdir()
    names = ["intake", "ingest-1", "ingest-2"]
    writers: list[asyncio.subprocess.Process] = []
    try:
        for name in names:
            with (tmp_path / f"{name}.err").open("wb") as err:
                argv = ["-c", WRITER, str(path), name, str(WRITES), str(start)]
                writers.append(
                    await asyncio.create_subprocess_exec(sys.executable, *argv, stderr=err)
                )
        start.touch()
        for name, writer in zip(names, writers, strict=True):
            code = await asyncio.wait_for(writer.wait(), 120)
            assert code == 0, (tmp_path / f"{name}.err").read_text()
    finally:
        for writer in writers:
            if writer.returncode is None:
                writer.kill()
                await writer.wait()

    store = SqliteStore(path)
    await store.open([Collection("notes")])
    try:
        async with store.read() as tx:
            counter = await tx.get("notes", "counter")
            for name in names:
                for i in range(WRITES):
                    assert await tx.get("notes", f"{name}-{i}") is not None, (name, i)
    finally:
        await store.close()
    assert counter is not None
    assert counter["n"] == len(names) * WRITES
