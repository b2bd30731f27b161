"""The blob store port, on every adapter: bytes stored by content and streamed back, the same
bytes stored once, nothing kept of bytes past the size bound, an unknown name not found. The
folder adapter runs here; GridFS where MONGODB_URL names a MongoDB (CI's MongoDB job, which
sets TICKETFLOW_REQUIRE_MONGODB=true so that a skip fails there)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from ticketflow_channels.adapters.blobs import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStore,
    BlobStoreUnavailable,
    BlobTooLarge,
    chunks_of,
)
from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.adapters.gridfs_blobs import GridFsBlobStore

RAW = b"From: ada@acme.test\r\nSubject: hello\r\n\r\n" + os.urandom(3 * CHUNK_BYTES + 17)


@pytest.fixture(params=["folder", "gridfs"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "folder":
        yield FolderBlobStore(tmp_path / "blobs")
        return
    url = os.environ.get("MONGODB_URL")
    if not url:
        if os.environ.get("TICKETFLOW_REQUIRE_MONGODB") == "true":
            pytest.fail("MONGODB_URL is not set, and this run requires MongoDB")
        pytest.skip("GridFS blob store NOT RUN: MONGODB_URL is not set")
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    name = f"ticketflow_blobs_{uuid.uuid4().hex[:12]}"
    try:
        yield GridFsBlobStore(client[name])
    finally:
        await client.drop_database(name)
        await client.close()


async def read_all(blobs: BlobStore, sha256: str) -> bytes:
    return b"".join([chunk async for chunk in blobs.chunks(sha256)])


async def test_bytes_are_stored_under_their_sha256_and_streamed_back(blobs: BlobStore) -> None:
    ref = await blobs.put(chunks_of(RAW), max_bytes=len(RAW))

    assert (ref.sha256, ref.size) == (hashlib.sha256(RAW).hexdigest(), len(RAW))
    assert await blobs.exists(ref.sha256)
    assert await read_all(blobs, ref.sha256) == RAW


async def test_the_same_bytes_twice_are_one_blob(blobs: BlobStore, tmp_path: Path) -> None:
    first = await blobs.put(chunks_of(RAW), max_bytes=len(RAW))
    again = await blobs.put(chunks_of(RAW), max_bytes=len(RAW))

    assert first == again
    assert await read_all(blobs, again.sha256) == RAW
    if isinstance(blobs, FolderBlobStore):
        stored = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
        assert [p.name for p in stored] == [first.sha256]  # no partial file left either


async def test_bytes_past_the_bound_are_refused_and_nothing_is_kept(
    blobs: BlobStore, tmp_path: Path
) -> None:
    with pytest.raises(BlobTooLarge):
        await blobs.put(chunks_of(RAW), max_bytes=len(RAW) - 1)

    assert not await blobs.exists(hashlib.sha256(RAW).hexdigest())
    if isinstance(blobs, FolderBlobStore):
        assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


async def test_an_unknown_or_malformed_name_is_not_found(blobs: BlobStore) -> None:
    for name in (hashlib.sha256(b"never stored").hexdigest(), "../../etc/passwd"):
        assert not await blobs.exists(name)
        with pytest.raises(BlobNotFound):
            await read_all(blobs, name)


async def test_gridfs_unreachable_is_unavailable_and_stores_nothing() -> None:
    """A real client to a port nothing listens on (no MongoDB needed): the failure is the
    blob store's, an OSError that intake answers 451/503 to, not a driver error."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200&connectTimeoutMS=200"
    )
    try:
        store = GridFsBlobStore(client["unreachable"])
        with pytest.raises(BlobStoreUnavailable, match="GridFS"):
            await store.put(chunks_of(RAW), max_bytes=len(RAW))
    finally:
        await client.close()
