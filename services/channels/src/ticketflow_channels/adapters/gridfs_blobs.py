"""Blobs in MongoDB's GridFS (bucket `blobs`), the file's name being the SHA-256 of its bytes
(GridFS indexes files by name). The bytes are hashed while they spool to a temporary file (in
memory up to a megabyte, then on disk), then uploaded a chunk at a time unless a file of that
name is there. Two uploads of the same bytes at once may both complete: two equal files under
one name, either of which serves it (never a shared id whose chunks one could abort under the
other)."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from ticketflow_channels.adapters.blobs import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobRef,
    BlobStoreUnavailable,
    BlobTooLarge,
)

BUCKET = "blobs"
_SPOOL_IN_MEMORY = 1024 * 1024


class GridFsBlobStore:
    def __init__(self, database: AsyncDatabase[Any]):
        self._database = database
        self._bucket = AsyncGridFSBucket(database, bucket_name=BUCKET)

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> BlobRef:
        try:
            return await self._put(chunks, max_bytes=max_bytes)
        except PyMongoError as exc:
            raise BlobStoreUnavailable(f"GridFS: {exc}") from exc

    async def _put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> BlobRef:
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
            ref = BlobRef(digest.hexdigest(), size)
            if await self.exists(ref.sha256):
                return ref
            await asyncio.to_thread(spool.seek, 0)
            upload = self._bucket.open_upload_stream(ref.sha256, metadata={"size": ref.size})
            try:
                while chunk := await asyncio.to_thread(spool.read, CHUNK_BYTES):
                    await upload.write(chunk)
            except BaseException:
                await upload.abort()  # its own chunks only: the file has an id of its own
                raise
            await upload.close()
        return ref

    async def chunks(self, sha256: str) -> AsyncIterator[bytes]:
        try:
            download = await self._bucket.open_download_stream_by_name(sha256)
        except NoFile:
            raise BlobNotFound(sha256) from None
        try:
            while chunk := await download.readchunk():
                yield chunk
        finally:
            await download.close()

    async def exists(self, sha256: str) -> bool:
        try:
            found = await self._database[f"{BUCKET}.files"].find_one(
                {"filename": sha256}, {"_id": 1}
            )
        except PyMongoError as exc:
            raise BlobStoreUnavailable(f"GridFS: {exc}") from exc
        return found is not None
