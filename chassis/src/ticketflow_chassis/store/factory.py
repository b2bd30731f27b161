"""Which document-store adapter a store URL means. It only builds the store: the caller
opens it with its collections (`await store.open(COLLECTIONS)`) and closes it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.store.mongo import MongoStore
from ticketflow_chassis.store.port import DocumentStore
from ticketflow_chassis.store.sqlite import SqliteStore, Synchronous

SQLITE_PREFIX = "sqlite:///"


def open_store_for(
    url: str,
    mongo_database: str,
    *,
    sqlite_synchronous: Synchronous = "FULL",
    sqlite_readers: int = 4,
    sqlite_cache_mib: int = 32,
    commit_retry_seconds: float = 30.0,
    inbox_retention: timedelta = timedelta(days=7),
) -> DocumentStore:
    """`sqlite:///var/ticket.sqlite3` (relative) or `sqlite:////srv/ticket.sqlite3`
    (absolute), `mongodb://...` or `mongodb+srv://...` (in `mongo_database`), `memory://`.
    `inbox_retention` sets MongoDB's TTL index on processed ids (elsewhere InboxExpiry)."""
    if url.startswith(SQLITE_PREFIX) and len(url) > len(SQLITE_PREFIX):
        path = Path(url.removeprefix(SQLITE_PREFIX))
        return SqliteStore(
            path,
            synchronous=sqlite_synchronous,
            readers=sqlite_readers,
            cache_mib=sqlite_cache_mib,
        )
    if url.startswith(("mongodb://", "mongodb+srv://")):
        if not mongo_database:
            raise ValueError("a mongodb:// store url needs a MongoDB database name")
        return MongoStore(
            url,
            mongo_database,
            commit_retry_seconds=commit_retry_seconds,
            inbox_retention=inbox_retention,
        )
    if url == "memory://":
        return MemoryStore()
    raise ValueError(
        f"unsupported store url {url!r}: expected sqlite:///<path>, mongodb://..., "
        "mongodb+srv://... or memory://"
    )
