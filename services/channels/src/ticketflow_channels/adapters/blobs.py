"""The blob store port: raw inbound messages and attachments, stored by content (the SHA-256
of their bytes is their name, so the same bytes are stored once) and bounded in size. Bytes
go in and come out as streams of chunks: a blob is never held whole in memory.

    ref = await blobs.put(chunks_of(raw), max_bytes=25 * 2**20)
    async for chunk in blobs.chunks(ref.sha256): ...

Adapters: folder_blobs.FolderBlobStore (a folder under the var dir, the embedded default) and
gridfs_blobs.GridFsBlobStore (MongoDB's GridFS).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Protocol

CHUNK_BYTES = 64 * 1024


class BlobTooLarge(ValueError):
    """The bytes went past the allowed size; nothing of them is kept."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        super().__init__(f"the blob is larger than {max_bytes} bytes")


class BlobStoreUnavailable(OSError):
    """The store behind the blobs failed (a database unreachable, a disk gone): nothing was
    stored; trying again later may work. An OSError, as a folder's failures already are."""


class BlobNotFound(LookupError):
    def __init__(self, sha256: str):
        super().__init__(f"no blob {sha256}")


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


class BlobStore(Protocol):
    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> BlobRef:
        """Stores the bytes (once per content); BlobTooLarge past `max_bytes`."""

    def chunks(self, sha256: str) -> AsyncIterator[bytes]:
        """The stored bytes, a chunk at a time; BlobNotFound when there is no such blob."""

    async def exists(self, sha256: str) -> bool: ...


async def chunks_of(data: bytes) -> AsyncIterator[bytes]:
    """Bytes already in memory (a request body), as the stream `put` takes."""
    for start in range(0, len(data), CHUNK_BYTES):
        yield data[start : start + CHUNK_BYTES]
