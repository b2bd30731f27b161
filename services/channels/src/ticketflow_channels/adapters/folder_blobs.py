"""Blobs as files under a folder, named by their SHA-256 (`ab/cd/abcd...`): written to a
temporary file, synced, then renamed into place, so a crash leaves either the whole blob or
none of it under its name. File I/O runs in threads, off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from ticketflow_channels.adapters.blobs import CHUNK_BYTES, BlobNotFound, BlobRef, BlobTooLarge

_PARTIAL = "partial"


class FolderBlobStore:
    def __init__(self, root: Path):
        self._root = root

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise BlobNotFound(sha256)
        return self._root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> BlobRef:
        partial = self._root / _PARTIAL / uuid.uuid4().hex
        await asyncio.to_thread(partial.parent.mkdir, parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        file = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                digest.update(chunk)
                await asyncio.to_thread(file.write, chunk)
            await asyncio.to_thread(_sync_and_close, file)
        except BaseException:
            await asyncio.to_thread(file.close)
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise
        ref = BlobRef(digest.hexdigest(), size)
        await asyncio.to_thread(self._settle, partial, self.path_of(ref.sha256))
        return ref

    @staticmethod
    def _settle(partial: Path, final: Path) -> None:
        """Renames the synced file into place (or drops it: the same bytes are there)."""
        if final.exists():
            partial.unlink()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, final)
        directory = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    async def chunks(self, sha256: str) -> AsyncIterator[bytes]:
        path = self.path_of(sha256)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk
        finally:
            await asyncio.to_thread(file.close)

    async def exists(self, sha256: str) -> bool:
        try:
            path = self.path_of(sha256)
        except BlobNotFound:
            return False
        return await asyncio.to_thread(path.exists)


def _sync_and_close(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()
