"""The blob store a channels process uses: GridFS in the service's MongoDB database when
its store is MongoDB, else the content-addressed folder."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

from ticketflow_channels.adapters.blobs import BlobStore
from ticketflow_channels.adapters.folder_blobs import FolderBlobStore
from ticketflow_channels.adapters.gridfs_blobs import GridFsBlobStore
from ticketflow_channels.settings import ChannelsSettings

Close = Callable[[], Awaitable[None]]


async def _nothing_to_close() -> None:
    return None


def open_blob_store(settings: ChannelsSettings) -> tuple[BlobStore, Close]:
    url = settings.resolved_store_url()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
        store = GridFsBlobStore(client[settings.resolved_mongo_database()])
        return store, client.close
    return FolderBlobStore(settings.resolved_blob_dir()), _nothing_to_close
